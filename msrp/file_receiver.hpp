// A received file on its way to the download directory (RFC 5547 file
// transfer): chunks are written where their Byte-Range puts them into a
// temporary file beside the final one; only when every byte arrived and the
// SHA-1 the file-selector announced matches is it renamed to its final
// (sanitized, never overwriting) name. A transfer that fails or is
// abandoned leaves nothing behind. Memory use does not depend on the file's
// size: data goes straight to the file, the hash is computed by reading it
// back in fixed-size blocks.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "msrp/received_ranges.hpp"

namespace cosip::msrp {

// The hash of a file as RFC 5547's file-selector writes "sha-1": 20
// bytes in upper-case hex separated by ':'. None with `error` set when the
// file cannot be read.
std::optional<std::string> sha1_file_selector_hash(const std::string& path, std::string& error);

class FileReceiver {
 public:
  // Null with `error` set when the temporary file cannot be made in
  // `directory`. `sha1` as sha1_file_selector_hash writes it (any case), or
  // "" when the peer announced none.
  static std::unique_ptr<FileReceiver> create(const std::string& directory, std::string_view announced_name,
                                              std::uint64_t size, std::string sha1, std::string& error);
  // Removes the temporary file unless finish() succeeded.
  ~FileReceiver();
  FileReceiver(const FileReceiver&) = delete;
  FileReceiver& operator=(const FileReceiver&) = delete;

  // `data` holds bytes start, start + 1, ... of the file (1-based, as
  // Byte-Range counts). False with `error` set when they do not fit the
  // announced size or cannot be written; the transfer has then failed.
  bool write(std::uint64_t start, std::span<const std::uint8_t> data, std::string& error);
  const ReceivedRanges& received() const { return ranges_; }

  // Every byte arrived: checks the hash and renames the file. Its final
  // path, or none with `error` set (and the temporary file removed) when
  // bytes are missing or the hash differs.
  std::optional<std::string> finish(std::string& error);
  // The transfer failed or was cancelled: the temporary file goes.
  void abort();

  const std::string& temporary_path() const { return temporary_path_; }
  const std::string& final_name() const { return name_; }  // as sanitized, before uniqueness

 private:
  FileReceiver(std::string directory, std::string name, std::string temporary_path, int fd, std::uint64_t size,
               std::string sha1);

  std::string directory_;
  std::string name_;
  std::string temporary_path_;
  int fd_;
  std::uint64_t size_;
  std::string sha1_;
  ReceivedRanges ranges_;
  bool done_ = false;
};

}  // namespace cosip::msrp
