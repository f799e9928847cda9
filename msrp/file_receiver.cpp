#include "msrp/file_receiver.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <openssl/evp.h>

#include "msrp/file_name.hpp"

namespace cosip::msrp {
namespace {

std::string system_error(const std::string& what, const std::string& path) {
  return what + " \"" + path + "\": " + std::strerror(errno);
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::optional<std::string> sha1_file_selector_hash(const std::string& path, std::string& error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = system_error("cannot read", path);
    return std::nullopt;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha1(), nullptr);
  std::array<unsigned char, 65536> block;
  ssize_t n = 0;
  while ((n = ::read(fd, block.data(), block.size())) > 0) EVP_DigestUpdate(ctx, block.data(), static_cast<std::size_t>(n));
  const bool failed = n < 0;
  if (failed) error = system_error("cannot read", path);
  ::close(fd);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx, digest.data(), &length);
  EVP_MD_CTX_free(ctx);
  if (failed) return std::nullopt;
  std::string text;
  for (unsigned int i = 0; i < length; ++i) {
    char pair[4];
    std::snprintf(pair, sizeof pair, i == 0 ? "%02X" : ":%02X", digest[i]);
    text += pair;
  }
  return text;
}

std::unique_ptr<FileSource> FileSource::open(const std::string& path, std::string content_type, std::string& error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    error = system_error("cannot read", path);
    if (fd >= 0) ::close(fd);
    return nullptr;
  }
  if (!S_ISREG(st.st_mode)) {
    error = "not a regular file: \"" + path + "\"";
    ::close(fd);
    return nullptr;
  }
  std::optional<std::string> sha1 = sha1_file_selector_hash(path, error);
  if (!sha1) {
    ::close(fd);
    return nullptr;
  }
  FileDescription d;
  const std::size_t slash = path.find_last_of('/');
  d.name = slash == std::string::npos ? path : path.substr(slash + 1);
  d.content_type = content_type.empty() ? "application/octet-stream" : std::move(content_type);
  d.size = static_cast<std::uint64_t>(st.st_size);
  d.sha1 = std::move(*sha1);
  return std::unique_ptr<FileSource>(new FileSource(fd, std::move(d)));
}

FileSource::~FileSource() { ::close(fd_); }

std::size_t FileSource::read(std::uint64_t offset, std::span<char> out) const {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

std::unique_ptr<FileReceiver> FileReceiver::create(const std::string& directory, std::string_view announced_name,
                                                   std::uint64_t size, std::string sha1, std::string& error) {
  std::string name = sanitize_file_name(announced_name);
  // A hidden name the final one cannot take, unique by mkstemp.
  std::string temporary = directory + "/.cosip-part-XXXXXX";
  const int fd = ::mkostemp(temporary.data(), O_CLOEXEC);
  if (fd < 0) {
    error = system_error("cannot create a temporary file in", directory);
    return nullptr;
  }
  return std::unique_ptr<FileReceiver>(
      new FileReceiver(directory, std::move(name), std::move(temporary), fd, size, upper(std::move(sha1))));
}

FileReceiver::FileReceiver(std::string directory, std::string name, std::string temporary_path, int fd,
                           std::uint64_t size, std::string sha1)
    : directory_(std::move(directory)),
      name_(std::move(name)),
      temporary_path_(std::move(temporary_path)),
      fd_(fd),
      size_(size),
      sha1_(std::move(sha1)) {
  ranges_.set_total(size_);
}

FileReceiver::~FileReceiver() { abort(); }

bool FileReceiver::write(std::uint64_t start, std::span<const std::uint8_t> data, std::string& error) {
  if (done_) {
    error = "the transfer is over";
    return false;
  }
  if (data.empty()) return true;
  const std::uint64_t end = start + data.size() - 1;
  if (start == 0 || end < start || end > size_) {
    error = "bytes " + std::to_string(start) + "-" + std::to_string(end) + " are outside the announced " +
            std::to_string(size_) + " bytes";
    return false;
  }
  std::size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = ::pwrite(fd_, data.data() + written, data.size() - written,
                               static_cast<off_t>(start - 1 + written));
    if (n < 0) {
      if (errno == EINTR) continue;
      error = system_error("cannot write", temporary_path_);
      return false;
    }
    written += static_cast<std::size_t>(n);
  }
  if (ranges_.add(start, end) == ReceivedRanges::Result::too_fragmented) {
    error = "the file arrives in too many pieces";
    return false;
  }
  return true;
}

std::optional<std::string> FileReceiver::finish(std::string& error) {
  if (done_) {
    error = "the transfer is over";
    return std::nullopt;
  }
  if (!ranges_.complete()) {
    error = "the file is incomplete: " + std::to_string(ranges_.received_bytes()) + " of " + std::to_string(size_) +
            " bytes arrived";
    abort();
    return std::nullopt;
  }
  if (::fsync(fd_) != 0) {
    error = system_error("cannot write", temporary_path_);
    abort();
    return std::nullopt;
  }
  if (!sha1_.empty()) {
    const std::optional<std::string> actual = sha1_file_selector_hash(temporary_path_, error);
    if (!actual) {
      abort();
      return std::nullopt;
    }
    if (*actual != sha1_) {
      error = "the file's SHA-1 " + *actual + " differs from the announced " + sha1_;
      abort();
      return std::nullopt;
    }
  }
  // link() fails rather than replace an existing file, so a name taken
  // between the check and the link is retried, never overwritten.
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::string final_path =
        directory_ + "/" + unused_file_name(name_, [this](const std::string& n) { return exists(directory_ + "/" + n); });
    if (::link(temporary_path_.c_str(), final_path.c_str()) == 0) {
      ::unlink(temporary_path_.c_str());
      ::close(fd_);
      fd_ = -1;
      done_ = true;
      return final_path;
    }
    if (errno != EEXIST) {
      error = system_error("cannot create", final_path);
      abort();
      return std::nullopt;
    }
  }
  error = "no free name for \"" + name_ + "\" in \"" + directory_ + "\"";
  abort();
  return std::nullopt;
}

void FileReceiver::abort() {
  if (done_) return;
  done_ = true;
  ::close(fd_);
  fd_ = -1;
  ::unlink(temporary_path_.c_str());
}

}  // namespace cosip::msrp
