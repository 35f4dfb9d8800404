"""The identity domain: users, their passwords' rules, the login throttle and the prompt."""
