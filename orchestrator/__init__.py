"""The campaign orchestrator: a LangGraph supervisor over researchers, budgets, resume, reports."""
