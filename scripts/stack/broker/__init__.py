"""The dev broker: the local stand-in for Knative's RabbitMQBroker, on a real RabbitMQ.

An HTTP ingress on 127.0.0.1 (a kit app, served by granian as a function is: main.py)
takes CloudEvents and publishes them, persistent and confirmed, to a durable headers
exchange; every Trigger in knative/base/eventing/ gets a durable queue bound with its
filter attributes, and a deliverer beside the ingress that POSTs each event to the
subscriber in binary mode and handles the answer as eventing-rabbitmq's dispatcher does
(deliverer.py): retries, replies, dead letters to the Trigger's dead-letter sink. Run it:
`python -m scripts.stack.broker`.
"""
