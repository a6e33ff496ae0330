"""The dev broker: the local stand-in for Knative's RabbitMQBroker, on a real RabbitMQ.

An HTTP ingress takes CloudEvents and publishes them, persistent and confirmed,
to a durable headers exchange; every Trigger in knative/base/eventing/ gets a
durable queue bound with its filter attributes, and a deliverer that POSTs each
event to the subscriber in binary mode, retries as the Trigger's `delivery`
says, parks it in a dead-letter queue after the last retry, and publishes the
subscriber's reply event back into the broker. Run it: `python -m scripts.broker`.
"""
