import dns.resolver


def _service_name(env):
    return f"_api._tcp.{env}.internal.example.com"


def endpoints(env):
    answers = dns.resolver.resolve(_service_name(env), "SRV")
    return [(str(a.target), a.port) for a in answers]
