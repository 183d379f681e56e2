"""What a researcher works with: sandboxes, code store, forum, scorer, experiments, the agent tool registry."""
