"""Live updates for the web app: request events from Kafka, fanned out to each open
stream the REST API's visibility rule lets see them."""
