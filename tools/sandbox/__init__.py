"""(public surface to come)"""
