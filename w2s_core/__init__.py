"""The weak-to-strong training core: tasks, models, the weak/ceiling/transfer pipeline, methods and PGR."""
