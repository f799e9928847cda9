// c-ares on Boost.Asio: c-ares reports its sockets through
// ARES_OPT_SOCK_STATE_CB, Asio waits on them (posix::stream_descriptor,
// never owning the descriptor) and on ares_timeout() (steady_timer), and
// ares_process_fd() does the rest. Answers are decoded into DnsAnswer and
// fed to ServerLocator.
#include "sip/resolver/dns_resolver.hpp"

#include <ares.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <random>
#include <unordered_map>
#include <utility>

#include <boost/asio/append.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace cosip::sip::resolver {

namespace asio = boost::asio;

namespace {

DnsStatus map_status(int status) {
  switch (status) {
    case ARES_SUCCESS: return DnsStatus::ok;
    case ARES_ENODATA:
    case ARES_ENOTFOUND: return DnsStatus::not_found;
    case ARES_ECANCELLED:
    case ARES_EDESTRUCTION: return DnsStatus::cancelled;
    default: return DnsStatus::failed;
  }
}

DnsAnswer status_answer(int status) {
  DnsAnswer answer;
  answer.status = map_status(status);
  answer.detail = ares_strerror(status);
  return answer;
}

std::string text_of(const unsigned char* s) {
  return s == nullptr ? std::string() : reinterpret_cast<const char*>(s);
}
std::string text_of(const char* s) { return s == nullptr ? std::string() : s; }

// A NAPTR or SRV reply.
DnsAnswer decode_reply(DnsQuery::Type type, int status, const unsigned char* abuf, int alen) {
  if (status != ARES_SUCCESS) return status_answer(status);
  if (abuf == nullptr) return status_answer(ARES_EBADRESP);
  DnsAnswer answer;
  if (type == DnsQuery::Type::naptr) {
    ares_naptr_reply* reply = nullptr;
    const int rc = ares_parse_naptr_reply(abuf, alen, &reply);
    if (rc != ARES_SUCCESS) return status_answer(rc);
    for (const ares_naptr_reply* r = reply; r != nullptr; r = r->next) {
      answer.naptr.push_back(NaptrRecord{r->order, r->preference, text_of(r->flags), text_of(r->service),
                                         text_of(r->regexp), text_of(r->replacement)});
    }
    ares_free_data(reply);
  } else {
    ares_srv_reply* reply = nullptr;
    const int rc = ares_parse_srv_reply(abuf, alen, &reply);
    if (rc != ARES_SUCCESS) return status_answer(rc);
    for (const ares_srv_reply* r = reply; r != nullptr; r = r->next) {
      answer.srv.push_back(SrvRecord{r->priority, r->weight, r->port, text_of(r->host)});
    }
    ares_free_data(reply);
  }
  return answer;
}

DnsAnswer decode_addrinfo(int status, ares_addrinfo* result) {
  if (status != ARES_SUCCESS) {
    if (result != nullptr) ares_freeaddrinfo(result);
    return status_answer(status);
  }
  DnsAnswer answer;
  const ares_addrinfo_node* first = result != nullptr ? result->nodes : nullptr;
  for (const ares_addrinfo_node* n = first; n != nullptr; n = n->ai_next) {
    IpAddress address;
    if (n->ai_family == AF_INET && n->ai_addrlen >= sizeof(sockaddr_in)) {
      sockaddr_in sin;
      std::memcpy(&sin, n->ai_addr, sizeof sin);
      address.family = IpAddress::Family::v4;
      std::memcpy(address.bytes.data(), &sin.sin_addr, 4);
    } else if (n->ai_family == AF_INET6 && n->ai_addrlen >= sizeof(sockaddr_in6)) {
      sockaddr_in6 sin6;
      std::memcpy(&sin6, n->ai_addr, sizeof sin6);
      address.family = IpAddress::Family::v6;
      std::memcpy(address.bytes.data(), &sin6.sin6_addr, 16);
    } else {
      continue;
    }
    if (std::find(answer.addresses.begin(), answer.addresses.end(), address) == answer.addresses.end()) {
      answer.addresses.push_back(address);
    }
  }
  if (result != nullptr) ares_freeaddrinfo(result);
  if (answer.addresses.empty()) return status_answer(ARES_ENODATA);
  return answer;
}

// A query c-ares owns until its callback: the completion handler and the
// work that keeps the executor running meanwhile.
template <class Handler>
struct QueryOp {
  Handler handler;
  asio::executor_work_guard<asio::any_io_executor> work;
  DnsQuery::Type type;
};

// Completions never run inside c-ares (nor inside the initiating call):
// they are posted to the handler's executor.
template <class Handler>
void complete(std::unique_ptr<QueryOp<Handler>> op, DnsAnswer answer) {
  asio::any_io_executor executor = op->work.get_executor();
  asio::post(executor, asio::append(std::move(op->handler), std::move(answer)));
}

template <class Handler>
void on_query_reply(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  std::unique_ptr<QueryOp<Handler>> op(static_cast<QueryOp<Handler>*>(arg));
  DnsAnswer answer = decode_reply(op->type, status, abuf, alen);
  complete(std::move(op), std::move(answer));
}

template <class Handler>
void on_addrinfo(void* arg, int status, int /*timeouts*/, ares_addrinfo* result) {
  std::unique_ptr<QueryOp<Handler>> op(static_cast<QueryOp<Handler>*>(arg));
  DnsAnswer answer = decode_addrinfo(status, result);
  complete(std::move(op), std::move(answer));
}

}  // namespace

struct DnsResolver::Impl : std::enable_shared_from_this<Impl> {
  // One socket c-ares has open. The descriptor is released, never closed:
  // c-ares closes it.
  struct Watch {
    explicit Watch(const asio::any_io_executor& executor) : descriptor(executor) {}
    asio::posix::stream_descriptor descriptor;
    ares_socket_t fd = ARES_SOCKET_BAD;
    bool want_read = false;
    bool want_write = false;
    bool reading = false;
    bool writing = false;
    bool closed = false;
  };

  Impl(asio::any_io_executor ex, DnsResolverConfig cfg)
      : executor(std::move(ex)), timer(executor), config(std::move(cfg)) {}

  ~Impl() { shutdown(); }

  void init() {
    if (config.random_seed) seeds.seed(std::random_device{}());
    if (const int rc = ares_library_init(ARES_LIB_INIT_ALL); rc != ARES_SUCCESS) {
      set_init_error(std::string("ares_library_init: ") + ares_strerror(rc));
      return;
    }
    library_initialised = true;
    ares_options options{};
    int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_DOMAINS;
    options.sock_state_cb = &Impl::on_sock_state;
    options.sock_state_cb_data = this;
    options.timeout = static_cast<int>(std::max<std::chrono::milliseconds::rep>(1, config.timeout.count()));
    options.tries = std::max(1, config.tries);
    // SIP host names are fully qualified: no search list (RFC 3263 names
    // the domain to query; a search suffix would also turn NXDOMAIN into a
    // refusal from a server that is not authoritative for it).
    options.domains = nullptr;
    options.ndomains = 0;
    if (config.use_tcp) {
      mask |= ARES_OPT_FLAGS;
      options.flags = ARES_FLAG_USEVC;
    }
    if (!config.lookups.empty()) {
      mask |= ARES_OPT_LOOKUPS;
      options.lookups = config.lookups.data();
    }
    if (const int rc = ares_init_options(&channel, &options, mask); rc != ARES_SUCCESS) {
      channel = nullptr;
      set_init_error(std::string("ares_init_options: ") + ares_strerror(rc));
      return;
    }
    if (!config.servers.empty()) {
      if (const int rc = ares_set_servers_ports_csv(channel, config.servers.c_str()); rc != ARES_SUCCESS) {
        set_init_error("DNS servers \"" + config.servers + "\": " + ares_strerror(rc));
        shutdown();
      }
    }
  }

  void set_init_error(std::string detail) {
    init_error = ResolveError::bad_configuration;
    init_detail = std::move(detail);
  }

  // Destroys the channel: c-ares answers every pending query with
  // ARES_EDESTRUCTION (posted as `cancelled`) and reports its sockets closed.
  void shutdown() {
    if (channel != nullptr) {
      ares_channel c = channel;
      channel = nullptr;
      ares_destroy(c);
    }
    for (auto& [fd, watch] : watches) release(*watch);
    watches.clear();
    timer.cancel();
    if (library_initialised) {
      library_initialised = false;
      ares_library_cleanup();
    }
  }

  static void on_sock_state(void* data, ares_socket_t fd, int readable, int writable) {
    static_cast<Impl*>(data)->on_socket(fd, readable != 0, writable != 0);
  }

  void on_socket(ares_socket_t fd, bool readable, bool writable) {
    auto it = watches.find(fd);
    if (!readable && !writable) {
      // c-ares is about to close the socket.
      if (it != watches.end()) {
        release(*it->second);
        watches.erase(it);
      }
      return;
    }
    if (it == watches.end()) {
      auto watch = std::make_shared<Watch>(executor);
      boost::system::error_code ec;
      watch->descriptor.assign(fd, ec);
      if (ec) return;  // c-ares times the query out; nothing better to do
      watch->fd = fd;
      it = watches.emplace(fd, std::move(watch)).first;
    }
    it->second->want_read = readable;
    it->second->want_write = writable;
    start_waits(it->second);
  }

  static void release(Watch& watch) {
    watch.closed = true;
    if (watch.descriptor.is_open()) watch.descriptor.release();  // cancels the waits
  }

  // One wait per direction at a time; each readiness goes to c-ares, then
  // the waits c-ares still wants are armed again.
  void start_waits(const std::shared_ptr<Watch>& watch) {
    if (watch->want_read && !watch->reading) wait(watch, true);
    if (watch->want_write && !watch->writing) wait(watch, false);
  }

  void wait(const std::shared_ptr<Watch>& watch, bool read) {
    (read ? watch->reading : watch->writing) = true;
    using Descriptor = asio::posix::stream_descriptor;
    const auto type = read ? Descriptor::wait_read : Descriptor::wait_write;
    auto on_ready = [weak = weak_from_this(), watch, read](const boost::system::error_code& ec) {
      (read ? watch->reading : watch->writing) = false;
      const auto self = weak.lock();
      if (!self || watch->closed || ec == asio::error::operation_aborted) return;
      if (read) {
        self->process(watch->fd, ARES_SOCKET_BAD);
      } else {
        self->process(ARES_SOCKET_BAD, watch->fd);
      }
      if (!watch->closed) self->start_waits(watch);
    };
    watch->descriptor.async_wait(type, std::move(on_ready));
  }

  // Lets c-ares read, write or time out, then re-arms the timer.
  void process(ares_socket_t read_fd, ares_socket_t write_fd) {
    if (channel == nullptr) return;
    ares_process_fd(channel, read_fd, write_fd);
    arm_timer();
  }

  void arm_timer() {
    if (channel == nullptr) return;
    timeval tv{};
    if (ares_timeout(channel, nullptr, &tv) == nullptr) {
      timer.cancel();
      return;
    }
    timer.expires_after(std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec));
    timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      if (const auto self = weak.lock()) self->process(ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    });
  }

  template <class Token>
  auto async_query(DnsQuery query, Token&& token) {
    return asio::async_initiate<Token, void(DnsAnswer)>(
        [this](auto handler, DnsQuery q) {
          using Handler = std::decay_t<decltype(handler)>;
          if (channel == nullptr) {
            DnsAnswer answer;
            answer.status = init_error != ResolveError::none ? DnsStatus::failed : DnsStatus::cancelled;
            answer.detail = init_error != ResolveError::none ? init_detail : "resolver shut down";
            asio::post(executor, asio::append(std::move(handler), std::move(answer)));
            return;
          }
          auto op = std::make_unique<QueryOp<Handler>>(
              QueryOp<Handler>{std::move(handler), asio::make_work_guard(executor), q.type});
          // c-ares may call back before returning (a hosts-file hit, a
          // failure to send): the op then is already completed and freed.
          switch (q.type) {
            case DnsQuery::Type::naptr:
            case DnsQuery::Type::srv: {
              const int type = q.type == DnsQuery::Type::naptr ? ns_t_naptr : ns_t_srv;
              ares_query(channel, q.name.c_str(), ns_c_in, type, &on_query_reply<Handler>, op.release());
              break;
            }
            case DnsQuery::Type::address: {
              ares_addrinfo_hints hints{};
              hints.ai_family = q.families == IpFamilies::v4   ? AF_INET
                                : q.families == IpFamilies::v6 ? AF_INET6
                                                               : AF_UNSPEC;
              ares_getaddrinfo(channel, q.name.c_str(), nullptr, &hints, &on_addrinfo<Handler>, op.release());
              break;
            }
          }
          arm_timer();
        },
        token, std::move(query));
  }

  asio::any_io_executor executor;
  asio::steady_timer timer;
  DnsResolverConfig config;
  ares_channel channel = nullptr;
  bool library_initialised = false;
  std::unordered_map<ares_socket_t, std::shared_ptr<Watch>> watches;
  ResolveError init_error = ResolveError::none;
  std::string init_detail;
  std::mt19937_64 seeds;
};

DnsResolver::DnsResolver(asio::any_io_executor executor, DnsResolverConfig config)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(config))) {
  impl_->init();
}

DnsResolver::~DnsResolver() { impl_->shutdown(); }

ResolveError DnsResolver::init_error() const { return impl_->init_error; }
const std::string& DnsResolver::init_detail() const { return impl_->init_detail; }

asio::awaitable<ResolveResult> DnsResolver::resolve(const Uri& uri) {
  return resolve(uri, impl_->config.locate);
}

asio::awaitable<ResolveResult> DnsResolver::resolve(const Uri& uri, LocateOptions options) {
  // The frame keeps the state alive should the resolver go away meanwhile.
  const std::shared_ptr<Impl> impl = impl_;
  if (impl->init_error != ResolveError::none) {
    ResolveResult failed;
    failed.error = impl->init_error;
    failed.detail = impl->init_detail;
    co_return failed;
  }
  if (impl->config.random_seed) options.seed = impl->seeds();
  ServerLocator locator(uri, std::move(options));
  while (const DnsQuery* next = locator.pending_query()) {
    DnsAnswer answer = co_await impl->async_query(*next, asio::use_awaitable);
    locator.on_answer(std::move(answer));
  }
  co_return locator.take_result();
}

asio::awaitable<DnsAnswer> DnsResolver::query(DnsQuery query) {
  const std::shared_ptr<Impl> impl = impl_;
  co_return co_await impl->async_query(std::move(query), asio::use_awaitable);
}

}  // namespace cosip::sip::resolver
