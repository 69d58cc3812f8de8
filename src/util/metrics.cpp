#include "util/metrics.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "util/error.h"

namespace aesync::metrics {

namespace {

const char* type_name(Type t) {
  switch (t) {
    case Type::Counter: return "counter";
    case Type::Gauge: return "gauge";
    case Type::Histogram: return "histogram";
  }
  return "untyped";
}

// HELP text escapes backslash and newline (the exposition format's rule).
std::string escape_help(const std::string& help) {
  std::string out;
  for (char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

void sample(std::string& out, std::string_view name, std::string_view labels, const std::string& value) {
  out.append(name);
  if (!labels.empty()) {
    out += '{';
    out.append(labels);
    out += '}';
  }
  out += ' ';
  out += value;
  out += '\n';
}

}  // namespace

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Integral values (every counter here) print without an exponent or fraction up to 2^53.
  if (v == std::trunc(v) && std::fabs(v) < 9007199254740992.0) return std::to_string(static_cast<int64_t>(v));
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

void Registry::declare(const std::string& name, Type type, const std::string& help, std::vector<double> buckets) {
  std::lock_guard lock(mutex_);
  auto it = metrics_.find(name);
  if (it != metrics_.end()) {
    if (it->second.type != type) throw std::logic_error("metric " + name + " declared twice with different types");
    return;
  }
  Metric m;
  m.type = type;
  m.help = help;
  if (type == Type::Histogram) {
    for (size_t i = 1; i < buckets.size(); ++i)
      if (!(buckets[i - 1] < buckets[i])) throw std::logic_error("metric " + name + ": buckets not increasing");
    m.buckets = std::move(buckets);
    m.bucket_counts.assign(m.buckets.size(), 0);
  }
  metrics_.emplace(name, std::move(m));
}

Registry::Metric* Registry::find(std::string_view name, Type type) {
  auto it = metrics_.find(name);
  if (it == metrics_.end()) return nullptr;
  if (it->second.type != type)
    throw std::logic_error("metric " + std::string(name) + " is a " + type_name(it->second.type) + ", not a " +
                           type_name(type));
  return &it->second;
}

void Registry::add(std::string_view name, double delta, std::string_view labels) {
  std::lock_guard lock(mutex_);
  if (Metric* m = find(name, Type::Counter)) {
    auto it = m->series.find(labels);
    if (it == m->series.end()) it = m->series.emplace(std::string(labels), 0.0).first;
    it->second += delta;
  }
}

void Registry::set(std::string_view name, double value, std::string_view labels) {
  std::lock_guard lock(mutex_);
  if (Metric* m = find(name, Type::Gauge)) {
    auto it = m->series.find(labels);
    if (it == m->series.end()) it = m->series.emplace(std::string(labels), 0.0).first;
    it->second = value;
  }
}

void Registry::observe(std::string_view name, double value) {
  std::lock_guard lock(mutex_);
  if (Metric* m = find(name, Type::Histogram)) {
    for (size_t i = 0; i < m->buckets.size(); ++i) {
      if (value <= m->buckets[i]) {
        ++m->bucket_counts[i];
        break;
      }
    }
    ++m->count;
    m->sum += value;
  }
}

double Registry::value(std::string_view name, std::string_view labels) const {
  std::lock_guard lock(mutex_);
  auto it = metrics_.find(name);
  if (it == metrics_.end()) return 0;
  auto s = it->second.series.find(labels);
  return s == it->second.series.end() ? 0 : s->second;
}

std::string Registry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, m] : metrics_) {
    out += "# HELP " + name + " " + escape_help(m.help) + "\n";
    out += "# TYPE " + name + " " + type_name(m.type) + "\n";
    if (m.type == Type::Histogram) {
      uint64_t cumulative = 0;
      for (size_t i = 0; i < m.buckets.size(); ++i) {
        cumulative += m.bucket_counts[i];
        sample(out, name + "_bucket", "le=\"" + format_value(m.buckets[i]) + "\"", std::to_string(cumulative));
      }
      sample(out, name + "_bucket", "le=\"+Inf\"", std::to_string(m.count));
      sample(out, name + "_sum", "", format_value(m.sum));
      sample(out, name + "_count", "", std::to_string(m.count));
    } else if (m.series.empty()) {
      sample(out, name, "", "0");
    } else {
      for (const auto& [labels, v] : m.series) sample(out, name, labels, format_value(v));
    }
  }
  return out;
}

void Registry::write_file(const std::string& path) const {
  const std::string text = render();
  const std::filesystem::path target(path);
  const std::filesystem::path temp =
      target.parent_path() / ("." + target.filename().string() + "." + std::to_string(::getpid()) + ".tmp");
  auto fail = [&](const std::string& what) {
    const std::string reason = std::strerror(errno);
    std::remove(temp.c_str());
    return Error("--metrics-file " + path + ": cannot " + what + " (" + reason + ")");
  };
  std::FILE* f = std::fopen(temp.c_str(), "wb");
  if (!f) throw fail("create " + temp.string());
  const bool written =
      std::fwrite(text.data(), 1, text.size(), f) == text.size() && std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  if (!written) {
    const int saved = errno;
    std::fclose(f);
    errno = saved;
    throw fail("write " + temp.string());
  }
  if (std::fclose(f) != 0) throw fail("write " + temp.string());
  // The textfile collector reads files as any user: 0644 whatever the umask of a cron job.
  ::chmod(temp.c_str(), 0644);
  if (std::rename(temp.c_str(), target.c_str()) != 0) throw fail("rename " + temp.string() + " to it");
}

std::string label(std::string_view name, std::string_view value) {
  std::string out(name);
  out += "=\"";
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  out += '"';
  return out;
}

std::optional<double> sample_value(std::string_view text, std::string_view name) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.size() > name.size() && line.starts_with(name) && line[name.size()] == ' ') {
      const std::string value(line.substr(name.size() + 1));
      char* parsed_end = nullptr;
      const double v = std::strtod(value.c_str(), &parsed_end);
      if (parsed_end == value.c_str() || *parsed_end != '\0') return std::nullopt;
      return v;
    }
  }
  return std::nullopt;
}

Registry& global() {
  static Registry registry;
  return registry;
}

}  // namespace aesync::metrics
