// Receiving a file over MSRP without losing or corrupting it: which bytes
// arrived (chunks out of order, overlapping, repeated), the name it gets on
// disk (sanitized, never overwriting), and the temporary file that becomes
// the final one only when whole and with the announced SHA-1. Then the
// file-transfer stream end to end between two sessions in memory: the
// file-selector, progress, delivery, and cancel from either side.
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
#include "msrp/file_transfer.hpp"
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

TEST_CASE("file-selector: written and read back, the name percent-encoded where the grammar wants it") {
  FileDescription file;
  file.name = "report \"final\" 100%.pdf";
  file.content_type = "application/pdf";
  file.size = 123456;
  file.sha1 = abc_sha1;
  const std::string value = encode_file_selector(file);
  CHECK(value == "name:\"report %22final%22 100%25.pdf\" type:application/pdf size:123456 hash:sha-1:" + abc_sha1);
  FileDescription back;
  std::string error;
  REQUIRE(decode_file_selector(value, back, error));
  CHECK(back.name == file.name);
  CHECK(back.content_type == file.content_type);
  CHECK(back.size == file.size);
  CHECK(back.sha1 == file.sha1);

  CHECK_FALSE(decode_file_selector("name:\"a.txt\" type:text/plain", back, error));
  CHECK(error == "the file-selector gives no size");
  CHECK_FALSE(decode_file_selector("name:\"a.txt size:3", back, error));
  CHECK(error.starts_with("malformed file-selector: "));
  REQUIRE(decode_file_selector("name:\"a%2.txt\" size:3 hash:sha-256:AB:CD", back, error));
  CHECK(back.name == "a%2.txt");  // not an escape: kept
  CHECK(back.sha1.empty());       // a hash we cannot check
  CHECK(back.content_type == "application/octet-stream");
}

namespace {

const TimePoint t0{std::chrono::seconds(1000)};

std::function<std::uint64_t()> counter(std::uint64_t seed) {
  return [n = seed]() mutable { return n += 0x9e3779b97f4a7c15ULL; };
}

const std::string alice_uri = "msrp://127.0.0.1:7001/alicefile;tcp";
const std::string bob_uri = "msrp://127.0.0.1:7002/bobfile;tcp";

// Alice sends `content` as a file to Bob, who saves it in `dir`; the two
// sessions exchange what they write, a round at a time.
struct Transfer {
  std::string source_path;
  std::unique_ptr<FileSource> source;
  std::unique_ptr<MsrpSession> alice, bob;
  std::unique_ptr<OutgoingFileTransfer> sending;
  std::unique_ptr<IncomingFileTransfer> receiving;
  std::vector<FileTransferNotification> sent, received;

  Transfer(const TempDir& from, const TempDir& to, const std::string& content, std::string announced_sha1 = "?") {
    source_path = from.path + "/holiday photo.jpg";
    std::ofstream(source_path, std::ios::binary) << content;
    std::string error;
    source = FileSource::open(source_path, "image/jpeg", error);
    REQUIRE(source);
    SessionConfig a;
    a.local_uri = alice_uri;
    a.remote_path = {bob_uri};
    a.chunk_size = 4096;
    a.output_budget = 16384;
    SessionConfig b;
    b.local_uri = bob_uri;
    b.remote_path = {alice_uri};
    b.stream_incoming = true;
    b.max_message_size = 1ULL << 30;
    alice = std::make_unique<MsrpSession>(a, counter(1));
    bob = std::make_unique<MsrpSession>(b, counter(2));
    FileDescription offered = source->description();
    if (announced_sha1 != "?") offered.sha1 = announced_sha1;
    // What Bob knows of the file comes from the SDP offer.
    FileDescription answered;
    REQUIRE(decode_file_selector(encode_file_selector(offered), answered, error));
    auto receiver = FileReceiver::create(to.path, answered.name, answered.size, answered.sha1, error);
    REQUIRE(receiver);
    const FileSource* s = source.get();
    sending = std::make_unique<OutgoingFileTransfer>(
        offered, [s](std::uint64_t offset, std::span<char> out) { return s->read(offset, out); }, *alice);
    receiving = std::make_unique<IncomingFileTransfer>(answered, std::move(receiver), *bob);
    sending->start(t0);
  }

  // One round: Alice's output to Bob, Bob's to Alice. False when both were silent.
  bool round() {
    const std::string to_bob = alice->take_output();
    REQUIRE(bob->on_bytes(to_bob, t0));
    receiving->on_session_events(bob->take_events());
    const std::string to_alice = bob->take_output();
    REQUIRE(alice->on_bytes(to_alice, t0));
    sending->on_session_events(alice->take_events());
    collect();
    return !to_bob.empty() || !to_alice.empty();
  }
  void collect() {
    for (auto& n : sending->take_notifications()) sent.push_back(std::move(n));
    for (auto& n : receiving->take_notifications()) received.push_back(std::move(n));
  }
  std::uint64_t received_so_far() const {
    std::uint64_t n = 0;
    for (const auto& p : received)
      if (p.name == "MSRPFileTransferGotProgress") n = p.transferred;
    return n;
  }
  static const FileTransferNotification* last(const std::vector<FileTransferNotification>& v) {
    return v.empty() ? nullptr : &v.back();
  }
};

std::string sample_content(std::size_t size) {
  std::string content(size, '\0');
  std::uint32_t x = 2463534242u;
  for (char& c : content) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  return content;
}

}  // namespace

TEST_CASE("file transfer: a file arrives whole under its name, with progress on both sides") {
  TempDir from, to;
  const std::string content = sample_content(1000000);
  Transfer t(from, to, content);
  CHECK(t.source->description().name == "holiday photo.jpg");
  CHECK(t.source->description().size == 1000000);
  CHECK(t.source->description().sha1.size() == 59);
  for (int i = 0; i < 10000 && t.round();) ++i;

  const FileTransferNotification* got = Transfer::last(t.received);
  REQUIRE(got);
  CHECK(got->name == "MSRPFileTransferGotFile");
  CHECK(got->path == to.path + "/holiday photo.jpg");
  CHECK(got->file.sha1 == t.source->description().sha1);
  CHECK(read_file(got->path) == content);
  CHECK(to.files() == std::vector<std::string>{"holiday photo.jpg"});  // no temporary file left

  const FileTransferNotification* delivered = Transfer::last(t.sent);
  REQUIRE(delivered);
  CHECK(delivered->name == "MSRPFileTransferDidDeliverFile");
  CHECK(delivered->code == 200);
  CHECK(t.sending->finished());
  CHECK(t.receiving->finished());

  // Progress rises by steps of about 1 % up to the whole file, on both sides.
  for (const auto* side : {&t.sent, &t.received}) {
    std::uint64_t previous = 0;
    std::size_t steps = 0;
    for (const auto& n : *side) {
      if (n.name != "MSRPFileTransferGotProgress") continue;
      CHECK(n.transferred > previous);
      previous = n.transferred;
      ++steps;
    }
    CHECK(previous == 1000000);
    CHECK(steps >= 90);
    CHECK(steps <= 101);
  }
}

TEST_CASE("file transfer: cancelled by the sender mid-way, nothing stays with the receiver") {
  TempDir from, to;
  Transfer t(from, to, sample_content(1000000));
  while (t.received_so_far() < 100000) REQUIRE(t.round());
  t.sending->cancel(t0);
  for (int i = 0; i < 100 && t.round();) ++i;
  t.collect();
  const FileTransferNotification* failed = Transfer::last(t.received);
  REQUIRE(failed);
  CHECK(failed->name == "MSRPFileTransferDidFail");
  CHECK(failed->reason == "the sender cancelled the transfer");
  CHECK(failed->transferred < 1000000);
  CHECK(to.files().empty());
  const FileTransferNotification* not_delivered = Transfer::last(t.sent);
  REQUIRE(not_delivered);
  CHECK(not_delivered->name == "MSRPFileTransferDidNotDeliverFile");
  CHECK(not_delivered->reason == "cancelled");
}

TEST_CASE("file transfer: cancelled by the receiver mid-way, the sender hears 413 and stops") {
  TempDir from, to;
  Transfer t(from, to, sample_content(1000000));
  while (t.received_so_far() < 100000) REQUIRE(t.round());
  t.receiving->cancel();
  t.collect();
  CHECK(to.files().empty());
  for (int i = 0; i < 100 && t.round();) ++i;
  const FileTransferNotification* failed = Transfer::last(t.received);
  REQUIRE(failed);
  CHECK(failed->name == "MSRPFileTransferDidFail");
  CHECK(failed->reason == "cancelled");
  const FileTransferNotification* not_delivered = Transfer::last(t.sent);
  REQUIRE(not_delivered);
  CHECK(not_delivered->name == "MSRPFileTransferDidNotDeliverFile");
  CHECK(not_delivered->code == 413);
  CHECK(t.alice->take_output().empty());  // no more chunks
  CHECK(to.files().empty());
}

TEST_CASE("file transfer: a hash that does not match, or a lost connection, leaves nothing") {
  TempDir from, to;
  SUBCASE("the announced SHA-1 differs") {
    Transfer t(from, to, sample_content(50000), abc_sha1);
    for (int i = 0; i < 1000 && t.round();) ++i;
    const FileTransferNotification* failed = Transfer::last(t.received);
    REQUIRE(failed);
    CHECK(failed->name == "MSRPFileTransferDidFail");
    CHECK(failed->reason.find("differs from the announced " + abc_sha1) != std::string::npos);
    CHECK(to.files().empty());
  }
  SUBCASE("the connection drops") {
    Transfer t(from, to, sample_content(1000000));
    while (t.received_so_far() < 100000) REQUIRE(t.round());
    t.receiving->on_connection_lost("the peer closed the connection");
    t.alice->on_connection_lost("the peer closed the connection");
    t.sending->on_session_events(t.alice->take_events());
    t.collect();
    CHECK(Transfer::last(t.received)->name == "MSRPFileTransferDidFail");
    CHECK(Transfer::last(t.received)->reason == "the connection was lost: the peer closed the connection");
    CHECK(Transfer::last(t.sent)->name == "MSRPFileTransferDidNotDeliverFile");
    CHECK(to.files().empty());
  }
}

TEST_CASE("file transfer: a sender that sends more than its file-selector said is stopped") {
  TempDir to;
  std::string error;
  SessionConfig b;
  b.local_uri = bob_uri;
  b.remote_path = {alice_uri};
  b.stream_incoming = true;
  MsrpSession bob(b, counter(3));
  FileDescription announced;
  announced.name = "small.txt";
  announced.size = 10;
  IncomingFileTransfer receiving(announced, FileReceiver::create(to.path, "small.txt", 10, "", error), bob);
  REQUIRE(bob.on_bytes("MSRP tid1 SEND\r\nTo-Path: " + bob_uri + "\r\nFrom-Path: " + alice_uri +
                           "\r\nMessage-ID: msg1\r\nByte-Range: 1-5/5000\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
                           "-------tid1+\r\n",
                       t0));
  receiving.on_session_events(bob.take_events());
  const auto notifications = receiving.take_notifications();
  REQUIRE(notifications.size() == 1);
  CHECK(notifications[0].name == "MSRPFileTransferDidFail");
  CHECK(notifications[0].reason == "the peer sends 5000 bytes where its file-selector announced 10");
  CHECK(to.files().empty());
  // The chunk was answered before its bytes reached the transfer; the
  // next one gets 413, which stops the sender.
  bob.take_output();
  REQUIRE(bob.on_bytes("MSRP tid2 SEND\r\nTo-Path: " + bob_uri + "\r\nFrom-Path: " + alice_uri +
                           "\r\nMessage-ID: msg1\r\nByte-Range: 6-10/5000\r\nContent-Type: text/plain\r\n\r\nworld\r\n"
                           "-------tid2+\r\n",
                       t0));
  CHECK(bob.take_output().starts_with("MSRP tid2 413"));
  CHECK(bob.take_events().empty());
}
