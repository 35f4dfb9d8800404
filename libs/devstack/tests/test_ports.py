import socket

from devstack import free_port, port_is_free


def test_a_free_port_is_free_until_someone_listens_on_it() -> None:
    port = free_port()
    assert port_is_free(port)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port))
        listener.listen()
        assert not port_is_free(port)
    assert port_is_free(port)
