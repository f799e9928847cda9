// Precompiled header of the Asio shells: Boost.Asio with coroutines and SSL
// are the bulk of their compile time.
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>
