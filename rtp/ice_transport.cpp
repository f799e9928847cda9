#include "rtp/ice_transport.hpp"

#include <cstring>
#include <utility>

namespace cosip::rtp {

IceTransport::IceTransport(const boost::asio::any_io_executor& executor, ice::IceConfig config,
                           ice::IceEvents events) {
  ice::IceEvents mine = std::move(events);
  mine.selected_pair = [this, owner = std::move(mine.selected_pair)](const ice::SelectedPair& pair) {
    if (pair.component >= 1 && pair.component <= selected_.size()) selected_[pair.component - 1] = pair;
    if (owner) owner(pair);
  };
  mine.datagram = [this](std::uint16_t component, std::span<const std::byte> datagram) {
    on_datagram(component, datagram);
  };
  agent_ = std::make_unique<ice::IceAgent>(executor, std::move(config), std::move(mine));
}

const std::optional<ice::SelectedPair>& IceTransport::selected(std::uint16_t component) const {
  static const std::optional<ice::SelectedPair> none;
  return component >= 1 && component <= selected_.size() ? selected_[component - 1] : none;
}

void IceTransport::start(std::weak_ptr<Receiver> receiver) { receiver_ = std::move(receiver); }

void IceTransport::send(const Transmit& t) {
  if (closed_) return;
  const std::uint16_t component = t.rtcp && agent_->config().components == 2 ? 2 : 1;
  if (!selected(component) || agent_->send(component, std::as_bytes(t.bytes))) ++unsent_;
}

void IceTransport::close() { closed_ = true; }

void IceTransport::on_datagram(std::uint16_t component, std::span<const std::byte> datagram) {
  if (closed_ || datagram.size() > buffer_.size()) return;
  const auto receiver = receiver_.lock();
  if (!receiver) return;  // not started: nobody to take it
  std::memcpy(buffer_.data(), datagram.data(), datagram.size());
  const Received r = receiver->take(buffer_, datagram.size(), component == 2);
  receiver->deliver(r);
}

}  // namespace cosip::rtp
