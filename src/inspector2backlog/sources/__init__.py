"""Finding sources other than Inspector (GuardDuty, …): parsers and their Japanese knowledge."""
