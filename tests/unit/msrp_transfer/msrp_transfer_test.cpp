// Receiving a file over MSRP without losing or corrupting it: which bytes
// arrived (chunks out of order, overlapping, repeated), the name it gets on
// disk (sanitized, never overwriting), and the temporary file that becomes
// the final one only when whole and with the announced SHA-1.
#include <doctest/doctest.h>

#include <dirent.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "msrp/file_name.hpp"
#include "msrp/file_receiver.hpp"
#include "msrp/received_ranges.hpp"

using namespace cosip::msrp;
using Result = ReceivedRanges::Result;

namespace {

// A fresh directory, removed with what is left in it.
struct TempDir {
  std::string path;
  TempDir() {
    char name[] = "/tmp/cosip-msrp-XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    path = name;
  }
  ~TempDir() {
    for (const std::string& f : files()) ::unlink((path + "/" + f).c_str());
    ::rmdir(path.c_str());
  }
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(path.c_str())) {
      while (const dirent* e = ::readdir(d))
        if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") out.emplace_back(e->d_name);
      ::closedir(d);
    }
    return out;
  }
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::span<const std::uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// SHA-1 of "abc" (FIPS 180-2 appendix A.1), written as a file-selector hash.
const std::string abc_sha1 = "A9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9D";

}  // namespace

TEST_CASE("received ranges: in order, out of order, overlapping, repeated") {
  ReceivedRanges r;
  REQUIRE(r.set_total(100));
  CHECK(r.add(51, 100) == Result::added);
  CHECK(r.contiguous() == 0);
  CHECK_FALSE(r.complete());
  CHECK(r.add(1, 20) == Result::added);
  CHECK(r.contiguous() == 20);
  CHECK(r.add(10, 30) == Result::added);  // overlaps: 10 new bytes
  CHECK(r.received_bytes() == 80);
  CHECK(r.add(5, 25) == Result::duplicate);
  CHECK(r.range_count() == 2);
  CHECK(r.add(31, 50) == Result::added);  // closes the gap: adjacent ranges merge
  CHECK(r.range_count() == 1);
  CHECK(r.received_bytes() == 100);
  CHECK(r.complete());
}

TEST_CASE("received ranges: what a chunk cannot claim") {
  ReceivedRanges r;
  CHECK(r.add(0, 5) == Result::invalid);
  CHECK(r.add(10, 9) == Result::invalid);
  CHECK(r.add(1, UINT64_MAX) == Result::invalid);
  CHECK(r.add(1, 60) == Result::added);
  CHECK_FALSE(r.set_total(50));  // bytes beyond it already arrived
  REQUIRE(r.set_total(60));
  CHECK_FALSE(r.set_total(61));  // a second, different total
  CHECK(r.set_total(60));
  CHECK(r.add(61, 61) == Result::beyond_total);
  CHECK(r.complete());

  ReceivedRanges empty;
  REQUIRE(empty.set_total(0));
  CHECK(empty.complete());
}

TEST_CASE("received ranges: fragmentation is bounded, merging still allowed") {
  ReceivedRanges r(3);
  CHECK(r.add(1, 1) == Result::added);
  CHECK(r.add(3, 3) == Result::added);
  CHECK(r.add(5, 5) == Result::added);
  CHECK(r.add(7, 7) == Result::too_fragmented);
  CHECK(r.received_bytes() == 3);
  CHECK(r.add(2, 2) == Result::added);  // joins two ranges
  CHECK(r.range_count() == 2);
  CHECK(r.add(7, 7) == Result::added);
}

TEST_CASE("file names: only a safe last component is kept") {
  CHECK(sanitize_file_name("report.pdf") == "report.pdf");
  CHECK(sanitize_file_name("../../etc/passwd") == "passwd");
  CHECK(sanitize_file_name("C:\\Users\\bob\\photo.jpg") == "photo.jpg");
  CHECK(sanitize_file_name("dir/") == "file");
  CHECK(sanitize_file_name("..") == "file");
  CHECK(sanitize_file_name(".") == "file");
  CHECK(sanitize_file_name("") == "file");
  CHECK(sanitize_file_name(".bashrc") == "bashrc");
  CHECK(sanitize_file_name(" .. name. ") == "name.");
  CHECK(sanitize_file_name(std::string("a\nb\x7f" "c\0d", 7)) == "a_b_c_d");
  CHECK(sanitize_file_name("r\xc3\xa9sum\xc3\xa9.txt") == "r\xc3\xa9sum\xc3\xa9.txt");  // UTF-8 kept
  const std::string longest = sanitize_file_name(std::string(300, 'x') + ".txt");
  CHECK(longest.size() == 255);
  CHECK(longest.ends_with(".txt"));
}

TEST_CASE("file names: an existing file is never the answer") {
  std::set<std::string> taken{"a.txt", "a-1.txt", "notes"};
  const auto exists = [&](const std::string& n) { return taken.count(n) != 0; };
  CHECK(unused_file_name("b.txt", exists) == "b.txt");
  CHECK(unused_file_name("a.txt", exists) == "a-2.txt");
  CHECK(unused_file_name("notes", exists) == "notes-1");
  taken.insert(".x");
  CHECK(unused_file_name(".x", exists) == ".x-1");
}

TEST_CASE("file receiver: chunks out of order make the whole file under its final name") {
  TempDir dir;
  std::string error;
  auto receiver = FileReceiver::create(dir.path, "../greeting.txt", 11, "", error);
  REQUIRE_MESSAGE(receiver, error);
  CHECK(dir.files().size() == 1);  // the temporary file
  CHECK(receiver->temporary_path().find("/.cosip-part-") != std::string::npos);
  REQUIRE(receiver->write(7, bytes("world"), error));
  REQUIRE(receiver->write(1, bytes("hello "), error));
  REQUIRE(receiver->write(3, bytes("llo"), error));  // a repeated chunk
  const auto path = receiver->finish(error);
  REQUIRE_MESSAGE(path, error);
  CHECK(*path == dir.path + "/greeting.txt");
  CHECK(read_file(*path) == "hello world");
  CHECK(dir.files() == std::vector<std::string>{"greeting.txt"});
}

TEST_CASE("file receiver: the announced SHA-1 is checked") {
  TempDir dir;
  std::string error;
  SUBCASE("matching, in any case") {
    auto receiver = FileReceiver::create(dir.path, "abc.bin", 3, "a9:99:3e:36:47:06:81:6a:ba:3e:25:71:78:50:c2:6c:9c:d0:d8:9d", error);
    REQUIRE(receiver);
    REQUIRE(receiver->write(1, bytes("abc"), error));
    const auto path = receiver->finish(error);
    REQUIRE_MESSAGE(path, error);
    const auto hash = sha1_file_selector_hash(*path, error);
    REQUIRE(hash);
    CHECK(*hash == abc_sha1);
  }
  SUBCASE("differing: an error, and nothing left") {
    auto receiver = FileReceiver::create(dir.path, "abc.bin", 3, abc_sha1, error);
    REQUIRE(receiver);
    REQUIRE(receiver->write(1, bytes("abd"), error));
    CHECK_FALSE(receiver->finish(error));
    CHECK(error.find("differs from the announced " + abc_sha1) != std::string::npos);
    CHECK(dir.files().empty());
  }
}

TEST_CASE("file receiver: a broken transfer leaves nothing behind") {
  TempDir dir;
  std::string error;
  SUBCASE("finished with bytes missing") {
    auto receiver = FileReceiver::create(dir.path, "big.iso", 1000, "", error);
    REQUIRE(receiver->write(1, bytes(std::string(600, 'x')), error));
    CHECK_FALSE(receiver->finish(error));
    CHECK(error == "the file is incomplete: 600 of 1000 bytes arrived");
    CHECK(dir.files().empty());
  }
  SUBCASE("aborted mid-way (the connection dropped)") {
    auto receiver = FileReceiver::create(dir.path, "big.iso", 1000, "", error);
    REQUIRE(receiver->write(1, bytes(std::string(600, 'x')), error));
    receiver->abort();
    CHECK(dir.files().empty());
    CHECK_FALSE(receiver->write(601, bytes("y"), error));
  }
  SUBCASE("dropped without a word") {
    {
      auto receiver = FileReceiver::create(dir.path, "big.iso", 1000, "", error);
      REQUIRE(receiver->write(1, bytes(std::string(600, 'x')), error));
    }
    CHECK(dir.files().empty());
  }
  SUBCASE("a chunk beyond the announced size fails the transfer") {
    auto receiver = FileReceiver::create(dir.path, "small.txt", 4, "", error);
    CHECK_FALSE(receiver->write(3, bytes("abc"), error));
    CHECK(error == "bytes 3-5 are outside the announced 4 bytes");
  }
}

TEST_CASE("file receiver: an existing file is kept, the new one takes another name") {
  TempDir dir;
  { std::ofstream(dir.path + "/notes.txt") << "mine"; }
  std::string error;
  auto receiver = FileReceiver::create(dir.path, "notes.txt", 6, "", error);
  REQUIRE(receiver->write(1, bytes("theirs"), error));
  const auto path = receiver->finish(error);
  REQUIRE(path);
  CHECK(*path == dir.path + "/notes-1.txt");
  CHECK(read_file(dir.path + "/notes.txt") == "mine");
  CHECK(read_file(*path) == "theirs");
}

TEST_CASE("file receiver: a directory it cannot write in is a clear error") {
  std::string error;
  CHECK_FALSE(FileReceiver::create("/nonexistent-dir", "a.txt", 1, "", error));
  CHECK(error.find("/nonexistent-dir") != std::string::npos);
}
