"""Commands for the people who run the bot: posters with QR codes, set-up and health checks."""
