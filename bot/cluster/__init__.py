"""Several Rasa and action servers behind a load balancer, in the production profile."""
