"""Amazon GuardDuty as a finding source. ``parse`` reads findings into the typed details of ``model``;
``knowledge`` explains each finding type in Japanese and ``ja`` builds the Japanese sentences and fact rows."""
