"""Clients of third-party services (the tax service's self-employed status check); each has
a local emulator under devstack.emulators for the tests and the local stack."""
