"""A local fake of the KvK register (Zoeken API v2, Basisprofiel API v1) for make run and tests.

It speaks KvK's JSON on KvK's paths ({base}/v2/zoeken, {base}/v1/basisprofielen/{kvkNummer},
with base /api or /test/api), requires an `apikey` header (any non-empty value, so KvK's own
test key works) and answers from organisations.json: KvK's public test numbers 69599084,
68750110 and 69599068, its error cases 90004973 (HTTP 404, IPD0005: no product for the number)
and 90002903 (HTTP 500, IPD9999: a technical failure), and about fifty made-up organisations.
"""

from devstack.kvk_fake.register import FakeRegister, load_registrations

KVK_TEST_API_KEY = "l7xx1f2691f2520d487b902f4e0b57a0b197"

__all__ = ["KVK_TEST_API_KEY", "FakeRegister", "load_registrations"]
