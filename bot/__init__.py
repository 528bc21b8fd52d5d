"""售后助手: a Rasa after-sales service assistant for phone makers."""
