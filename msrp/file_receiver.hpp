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

#include "msrp/file_transfer.hpp"
#include "msrp/received_ranges.hpp"

namespace cosip::msrp {

// The hash of a file as RFC 5547's file-selector writes "sha-1": 20
// bytes in upper-case hex separated by ':'. None with `error` set when the
// file cannot be read.
std::optional<std::string> sha1_file_selector_hash(const std::string& path, std::string& error);

// A file to send: described for its file-selector (its base name, size
// and SHA-1) when opened, then read at any offset. The content type is the
// caller's to give.
class FileSource {
 public:
  // None with `error` set when `path` is not a readable regular file.
  static std::unique_ptr<FileSource> open(const std::string& path, std::string content_type, std::string& error);
  ~FileSource();
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  const FileDescription& description() const { return description_; }
  // OutgoingFileTransfer::Reader: the bytes from `offset` on; 0 at the end
  // or when the file cannot be read.
  std::size_t read(std::uint64_t offset, std::span<char> out) const;

 private:
  FileSource(int fd, FileDescription description) : fd_(fd), description_(std::move(description)) {}
  int fd_;
  FileDescription description_;
};

class FileReceiver final : public FileSink {
 public:
  // Null with `error` set when the temporary file cannot be made in
  // `directory`. `sha1` as sha1_file_selector_hash writes it (any case), or
  // "" when the peer announced none.
  static std::unique_ptr<FileReceiver> create(const std::string& directory, std::string_view announced_name,
                                              std::uint64_t size, std::string sha1, std::string& error);
  // Removes the temporary file unless finish() succeeded.
  ~FileReceiver() override;
  FileReceiver(const FileReceiver&) = delete;
  FileReceiver& operator=(const FileReceiver&) = delete;

  // `data` holds bytes start, start + 1, ... of the file (1-based, as
  // Byte-Range counts). False with `error` set when they do not fit the
  // announced size or cannot be written; the transfer has then failed.
  bool write(std::uint64_t start, std::span<const std::uint8_t> data, std::string& error) override;
  const ReceivedRanges& received() const { return ranges_; }

  // Every byte arrived: checks the hash and renames the file. Its final
  // path, or none with `error` set (and the temporary file removed) when
  // bytes are missing or the hash differs.
  std::optional<std::string> finish(std::string& error) override;
  // The transfer failed or was cancelled: the temporary file goes.
  void abort() override;

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
