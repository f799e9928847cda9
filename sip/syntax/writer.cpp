#include "sip/syntax/writer.hpp"

#include "sip/syntax/detail/charset.hpp"

namespace cosip::sip {

void MessageWriter::begin_header(std::string_view name) {
  out_ += name;
  out_ += ": ";
}

MessageWriter& MessageWriter::request_line(std::string_view method, std::string_view request_uri) {
  out_ += method;
  out_ += ' ';
  out_ += request_uri;
  out_ += " SIP/2.0\r\n";
  return *this;
}

MessageWriter& MessageWriter::status_line(int code, std::string_view reason) {
  out_ += "SIP/2.0 ";
  out_ += std::to_string(code);
  out_ += ' ';
  out_ += reason;
  out_ += "\r\n";
  return *this;
}

MessageWriter& MessageWriter::header(std::string_view name, std::string_view value) {
  begin_header(name);
  out_ += value;
  out_ += "\r\n";
  return *this;
}

std::string MessageWriter::finish(std::string_view body, std::string_view content_type) {
  if (!content_type.empty()) header(HeaderId::content_type, content_type);
  begin_header("Content-Length");
  out_ += std::to_string(body.size());
  out_ += "\r\n\r\n";
  out_ += body;
  return std::move(out_);
}

namespace {

// §18.2.1: add received when the sent-by host is not the source address;
// RFC 3581 §4: fill in an empty rport with the source port.
void write_top_via(MessageWriter& w, const Via& top, const ReceivedFrom& source) {
  Via via = top;
  std::string port;
  for (Param& p : via.params) {
    if (detail::iequals(p.name, "rport") && !p.has_value) {
      port = std::to_string(source.port);
      p.value = port;
      p.has_value = true;
    }
  }
  if (via.host != source.address && via.received() == nullptr)
    via.params.push_back(Param{"received", source.address, true, false});
  w.header(HeaderId::via, via);
}

}  // namespace

MessageWriter response_to(const Message& request, int code, std::string_view reason, std::string_view to_tag,
                          const ReceivedFrom* source) {
  MessageWriter w;
  w.status_line(code, reason);
  bool first_via = true;
  for (const Header& h : request.headers) {
    switch (h.id) {
      case HeaderId::via:
        if (first_via && source != nullptr && !request.vias.empty()) {
          // The top Via rewritten, the rest of its line kept as typed values.
          write_top_via(w, request.vias.front(), *source);
          std::size_t in_line = 1;
          ViaList line;
          if (decode_via_list(h.value, line))
            for (; in_line < line.size(); ++in_line) w.header(HeaderId::via, line[in_line]);
        } else {
          w.header(canonical_name(h.id), h.value);
        }
        first_via = false;
        break;
      case HeaderId::from:
      case HeaderId::call_id:
      case HeaderId::cseq: w.header(canonical_name(h.id), h.value); break;
      case HeaderId::to:
        if (code > 100 && !to_tag.empty() && request.to.tag().empty()) {
          NameAddr to = request.to;
          to.params.push_back(Param{"tag", to_tag, true, false});
          w.header(HeaderId::to, to);
        } else {
          w.header(HeaderId::to, h.value);
        }
        break;
      default: break;
    }
  }
  return w;
}

std::string_view reason_phrase(int code) {
  switch (code) {
    case 100: return "Trying";
    case 180: return "Ringing";
    case 181: return "Call Is Being Forwarded";
    case 182: return "Queued";
    case 183: return "Session Progress";
    case 200: return "OK";
    case 202: return "Accepted";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 415: return "Unsupported Media Type";
    case 416: return "Unsupported URI Scheme";
    case 420: return "Bad Extension";
    case 422: return "Session Interval Too Small";
    case 423: return "Interval Too Brief";
    case 481: return "Call/Transaction Does Not Exist";
    case 482: return "Loop Detected";
    case 483: return "Too Many Hops";
    case 486: return "Busy Here";
    case 487: return "Request Terminated";
    case 488: return "Not Acceptable Here";
    case 489: return "Bad Event";
    case 491: return "Request Pending";
    case 500: return "Server Internal Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "Version Not Supported";
    case 603: return "Decline";
    default: return "";
  }
}

}  // namespace cosip::sip
