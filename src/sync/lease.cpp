#include "sync/lease.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <map>
#include <random>

#include <simdjson.h>

#include "sync/layout.h"
#include "util/json_writer.h"
#include "util/log.h"
#include "util/time.h"

namespace aesync {

namespace {

int64_t system_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool process_alive(int64_t pid) {
  if (pid <= 0) return false;
  // EPERM: it exists, under another user.
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

std::string random_hex8() {
  std::random_device rd;
  const uint32_t v = rd();
  static const char* digits = "0123456789abcdef";
  std::string s(8, '0');
  for (int i = 0; i < 8; ++i) s[static_cast<size_t>(i)] = digits[(v >> (28 - 4 * i)) & 0xF];
  return s;
}

std::optional<int64_t> rfc3339_seconds(std::string_view s) {
  if (s.size() != 20 || s[10] != 'T' || s[19] != 'Z') return std::nullopt;
  const auto ms = parse_timestamp_ms(s);
  if (!ms) return std::nullopt;
  return *ms / 1000;
}

}  // namespace

std::string lease_host() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "unknown-host";
  return name;
}

std::string lease_to_json(const LeaseInfo& lease) {
  std::string out = "{\"owner\":";
  json::append_string(out, lease.owner);
  out += ",\"host\":";
  json::append_string(out, lease.host);
  out += ",\"pid\":" + std::to_string(lease.pid);
  out += ",\"acquired_at\":";
  json::append_string(out, format_rfc3339(lease.acquired_at));
  out += ",\"expires_at\":";
  json::append_string(out, format_rfc3339(lease.expires_at));
  out += "}\n";
  return out;
}

LeaseInfo parse_lease(std::string_view json, const std::string& where) {
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(json.data(), json.size()).get_object().get(o))
    throw FormatError(where + ": not a lease (a JSON object expected)");
  LeaseInfo l;
  std::string_view s;
  auto text = [&](const char* key) -> std::string {
    if (o[key].get_string().get(s)) throw FormatError(where + ": the lease has no string \"" + std::string(key) + "\"");
    return std::string(s);
  };
  auto time = [&](const char* key) {
    const std::string v = text(key);
    const auto t = rfc3339_seconds(v);
    if (!t) throw FormatError(where + ": \"" + key + "\" is \"" + v + "\", not an RFC 3339 UTC time");
    return *t;
  };
  l.owner = text("owner");
  l.host = text("host");
  if (o["pid"].get_int64().get(l.pid)) throw FormatError(where + ": the lease has no integer \"pid\"");
  l.acquired_at = time("acquired_at");
  l.expires_at = time("expires_at");
  return l;
}

namespace {

// Whether a lease (absent, unreadable, expired, or of a process of this host that is gone) no
// longer protects its day.
bool lease_is_stale(const std::optional<LeaseInfo>& lease, int64_t now, const PartitionLease::Alive& alive) {
  if (!lease || lease->expires_at <= now) return true;
  return lease->host == lease_host() && lease->pid != static_cast<int64_t>(::getpid()) && !alive(lease->pid);
}

}  // namespace

size_t abort_abandoned_uploads(ObjectStore& store, const std::string& prefix, PartitionLease::Clock clock,
                               PartitionLease::Alive alive) {
  if (!clock) clock = system_seconds;
  if (!alive) alive = process_alive;
  const PartitionLayout layout(prefix);
  const std::vector<PendingUpload> uploads = store.list_pending_uploads(layout.root());
  std::map<int64_t, bool> stale_day;
  size_t aborted = 0;
  for (const PendingUpload& u : uploads) {
    const std::optional<int64_t> day = layout.day_of_key(u.key);
    if (!day) continue;
    auto it = stale_day.find(*day);
    if (it == stale_day.end()) {
      const std::string key = layout.lease_key(*day);
      std::optional<LeaseInfo> lease;
      if (const auto current = store.get_versioned(key)) {
        try {
          lease = parse_lease(current->data, store.describe(key));
        } catch (const FormatError&) {
        }
      }
      it = stale_day.emplace(*day, lease_is_stale(lease, clock(), alive)).first;
    }
    if (!it->second) continue;  // a live run is exporting that day: its upload is in use
    store.abort_pending_upload(u);
    log::warn("aborted a multipart upload left by an earlier run",
              {{"key", store.describe(u.key)}, {"initiated", u.initiated}});
    ++aborted;
  }
  return aborted;
}

PartitionLease::PartitionLease(ObjectStore& store, std::string key, LeaseInfo info, std::string etag, Clock clock)
    : store_(store), key_(std::move(key)), info_(std::move(info)), etag_(std::move(etag)), clock_(std::move(clock)) {}

std::unique_ptr<PartitionLease> PartitionLease::acquire(ObjectStore& store, const std::string& key, std::string& holder,
                                                        Clock clock, Alive alive) {
  if (!clock) clock = system_seconds;
  if (!alive) alive = process_alive;
  LeaseInfo mine;
  mine.host = lease_host();
  mine.pid = static_cast<int64_t>(::getpid());
  mine.owner = mine.host + "/" + std::to_string(mine.pid) + "/" + random_hex8();
  const int64_t now = clock();
  mine.acquired_at = now;
  mine.expires_at = now + kTtlSeconds;
  const std::string body = lease_to_json(mine);

  if (auto etag = store.put_if(key, body, WriteCondition{true, ""}))
    return std::unique_ptr<PartitionLease>(new PartitionLease(store, key, mine, *etag, clock));

  // Someone's lease is there: read it, and take it over if its holder is gone.
  const std::optional<VersionedObject> current = store.get_versioned(key);
  if (!current) {
    // Released between our two requests: one more try at creating it.
    if (auto etag = store.put_if(key, body, WriteCondition{true, ""}))
      return std::unique_ptr<PartitionLease>(new PartitionLease(store, key, mine, *etag, clock));
    holder = "another run (the lease changed while it was read)";
    return nullptr;
  }
  std::optional<LeaseInfo> theirs;
  try {
    theirs = parse_lease(current->data, store.describe(key));
  } catch (const FormatError& e) {
    // An unreadable lease protects nothing: take it over.
    log::warn("taking over an unreadable lease", {{"key", store.describe(key)}, {"error", e.what()}});
  }
  const bool expired = !theirs || theirs->expires_at <= now;
  const bool dead = theirs && theirs->host == mine.host && theirs->pid != mine.pid && !alive(theirs->pid);
  if (!expired && !dead) {
    holder = theirs->owner + " (until " + format_rfc3339(theirs->expires_at) + ")";
    return nullptr;
  }
  if (auto etag = store.put_if(key, body, WriteCondition{false, current->etag})) {
    log::warn("took over a stale lease", {{"key", store.describe(key)},
                                          {"previous_owner", theirs ? theirs->owner : std::string("unreadable")},
                                          {"reason", !theirs ? "unreadable"
                                                     : dead  ? "its process no longer runs"
                                                             : "expired"}});
    return std::unique_ptr<PartitionLease>(new PartitionLease(store, key, mine, *etag, clock));
  }
  holder = "another run (it took the stale lease over first)";
  return nullptr;
}

PartitionLease::~PartitionLease() {
  if (released_) return;
  try {
    release();
  } catch (const std::exception& e) {
    // The lease expires on its own; the next run takes it over.
    log::warn("could not release a lease", {{"key", store_.describe(key_)}, {"error", log::redact(e.what())}});
  }
}

void PartitionLease::renew_if_due() {
  const int64_t now = clock_();
  // More than half the TTL left: nobody can have taken it over.
  if (info_.expires_at - now > kTtlSeconds / 2) return;
  LeaseInfo renewed = info_;
  renewed.expires_at = now + kTtlSeconds;
  auto etag = store_.put_if(key_, lease_to_json(renewed), WriteCondition{false, etag_});
  if (!etag) {
    std::string who = "another run";
    try {
      if (auto current = store_.get_versioned(key_)) who = parse_lease(current->data, store_.describe(key_)).owner;
    } catch (const Error&) {
    }
    released_ = true;  // not ours any more: never delete it
    throw LeaseLost(store_.describe(key_) + ": this run lost its lease to " + who);
  }
  info_ = renewed;
  etag_ = *etag;
}

void PartitionLease::release() {
  if (released_) return;
  released_ = true;
  // Only our own version: a run that stalled past the TTL must not delete its successor's lease.
  const std::optional<VersionedObject> current = store_.get_versioned(key_);
  if (current && current->etag == etag_) store_.remove(key_);
}

}  // namespace aesync
