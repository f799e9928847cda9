#include "msrp/file_name.hpp"

namespace cosip::msrp {
namespace {

constexpr std::size_t max_name_bytes = 255;  // NAME_MAX on Linux filesystems

}  // namespace

std::string sanitize_file_name(std::string_view received) {
  if (const auto slash = received.find_last_of("/\\"); slash != std::string_view::npos)
    received.remove_prefix(slash + 1);
  std::string name;
  for (const char c : received) {
    const auto u = static_cast<unsigned char>(c);
    name += (u < 0x20 || u == 0x7f) ? '_' : c;
  }
  const std::size_t first = name.find_first_not_of(". ");
  name.erase(0, first == std::string::npos ? name.size() : first);
  while (!name.empty() && name.back() == ' ') name.pop_back();
  if (name.empty()) return "file";
  if (name.size() > max_name_bytes) {
    const std::size_t dot = name.rfind('.');
    const std::string extension =
        dot != std::string::npos && name.size() - dot <= 16 ? name.substr(dot) : std::string();
    name = name.substr(0, max_name_bytes - extension.size()) + extension;
  }
  return name;
}

std::string unused_file_name(const std::string& name, const std::function<bool(const std::string&)>& exists) {
  if (!exists(name)) return name;
  const std::size_t dot = name.rfind('.');
  const std::string stem = dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
  const std::string extension = stem.size() == name.size() ? std::string() : name.substr(dot);
  for (unsigned n = 1;; ++n) {
    std::string candidate = stem + "-" + std::to_string(n) + extension;
    if (candidate.size() > max_name_bytes)
      candidate = stem.substr(0, stem.size() - (candidate.size() - max_name_bytes)) + "-" + std::to_string(n) + extension;
    if (!exists(candidate)) return candidate;
  }
}

}  // namespace cosip::msrp
