"""The database: how leads and their history are kept, and nothing else."""
