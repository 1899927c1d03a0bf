#pragma once
// A local OpenAI-compatible chat-completions server for the judge tests
// (tests/support/fake_chat_server.py, on Debian's python3), started and stopped by the test,
// with its request counts read over HTTP.

#include <QJsonObject>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

namespace inoculab::test {

class FakeChatServer {
public:
    explicit FakeChatServer(const QStringList &options = {}) {
        m_process.setProgram(QStringLiteral("/usr/bin/python3"));
        m_process.setArguments(QStringList{QStringLiteral(INOCULAB_SOURCE_DIR "/tests/support/fake_chat_server.py")} +
                               options);
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start();
        if (!m_process.waitForStarted(10000)) throw std::runtime_error("cannot start the fake chat server");
        while (!m_process.canReadLine())
            if (!m_process.waitForReadyRead(10000)) throw std::runtime_error("the fake chat server printed no port");
        m_port = QString::fromUtf8(m_process.readLine()).trimmed().toStdString();
    }
    ~FakeChatServer() {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
    FakeChatServer(const FakeChatServer &) = delete;
    FakeChatServer &operator=(const FakeChatServer &) = delete;

    std::string root() const { return "http://127.0.0.1:" + m_port; }
    std::string baseUrl() const { return root() + "/v1"; }

    nlohmann::json stats() const { return nlohmann::json::parse(request("/stats", false)); }
    void reset() const { request("/reset", true); }

private:
    static std::size_t append(char *data, std::size_t size, std::size_t count, void *out) {
        static_cast<std::string *>(out)->append(data, size * count);
        return size * count;
    }
    std::string request(const std::string &path, bool post) const {
        CURL *curl = curl_easy_init();
        std::string body, url = root() + path;
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        if (post) curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &append);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
        CURLcode code = curl_easy_perform(curl);
        curl_easy_cleanup(curl);
        if (code != CURLE_OK) throw std::runtime_error("fake chat server: " + std::string(curl_easy_strerror(code)));
        return body;
    }

    QProcess m_process;
    std::string m_port;
};

// A spec's judged trait asking `model` on an OpenAI-compatible server with an inline template;
// the fake server reads its verdict off the template (SCORE=n, YESNO; fake_chat_server.py).
inline QJsonObject judgedTraitSpec(const QString &name, const std::string &baseUrl, const QString &model,
                                   const QString &templ, const QString &keyVariable) {
    QJsonObject judge{{"kind", "openai"}, {"base_url", QString::fromStdString(baseUrl)}, {"model", model},
                      {"api_key_env", keyVariable}, {"concurrency", 1}};
    return QJsonObject{{"name", name}, {"scorer", "judge"},
                       {"params", QJsonObject{{"judge", judge}, {"template_text", templ}}}};
}

}  // namespace inoculab::test
