"""Application services: what the API and the bridges (e.g. the Telegram bot) do with
requests, users and executors. They speak domain errors; transports map them."""
