"""Plan files in other tools' formats: MS Project XML (MSPDI), CSV of tasks, iCalendar, YAML."""
