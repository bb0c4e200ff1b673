"""Organizer tools: accounts, dashboard, delivery packets, exports, jobs."""
