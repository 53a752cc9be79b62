"""The FastAPI app factory: mounts api/ (REST) and the workbench, starts the scheduler."""
