"""Researcher agents: model providers, the researcher loop, transcripts, seed prompts, costs."""
