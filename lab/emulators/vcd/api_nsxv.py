"""Placeholder."""


def endpoints(appliance):  # pylint: disable=unused-argument
    return []


def control_routes(appliance, blueprint):  # pylint: disable=unused-argument
    return None
