"""Amazon GuardDuty as a finding source. ``knowledge`` explains each finding type in Japanese."""
