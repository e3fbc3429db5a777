using Siem.TestSupport;

namespace Siem.Capture.Tests;

/// <summary>The cleartext content features: failed logins, logged_in, guest, root shell, su.</summary>
public sealed class ContentFeatureTests
{
    private const string Client = "10.2.0.1";
    private const string Server = "10.2.0.2";
    private const double T = CaptureScenarios.Start;

    private static CaptureBuilder Conversation(int port, params (bool FromClient, string Text)[] lines)
    {
        var capture = new CaptureBuilder()
            .Tcp(T, Client, 41000, Server, port, Tcp.Syn)
            .Tcp(T + 0.001, Server, port, Client, 41000, Tcp.SynAck)
            .Tcp(T + 0.002, Client, 41000, Server, port, Tcp.Ack);
        var t = T + 0.01;
        foreach (var (fromClient, text) in lines)
        {
            t += 0.01;
            capture = fromClient
                ? capture.Tcp(t, Client, 41000, Server, port, Tcp.PshAck, text)
                : capture.Tcp(t, Server, port, Client, 41000, Tcp.PshAck, text);
        }

        return capture.Tcp(t + 0.01, Client, 41000, Server, port, Tcp.FinAck).Tcp(t + 0.02, Server, port, Client, 41000, Tcp.FinAck);
    }

    [Fact]
    public void Ftp_counts_530_replies_and_sees_the_230_login()
    {
        var record = Assert.Single(CaptureScenarios.Extract(Conversation(21,
            (false, "220 ready\r\n"), (true, "USER alice\r\n"), (false, "331 password\r\n"), (true, "PASS guess1\r\n"), (false, "530 Login incorrect.\r\n"),
            (true, "USER alice\r\n"), (true, "PASS guess2\r\n"), (false, "530 Login incorrect.\r\n"),
            (true, "PASS right\r\n"), (false, "230 Logged in.\r\n"))));

        Assert.Equal(("ftp", 2, true, false), (record.Service, record.NumFailedLogins, record.LoggedIn, record.IsGuestLogin));
    }

    [Fact]
    public void Anonymous_ftp_is_a_guest_login()
    {
        var record = Assert.Single(CaptureScenarios.Extract(Conversation(21,
            (false, "220 ready\r\n"), (true, "USER anonymous\r\n"), (false, "331 any password\r\n"), (true, "PASS me@\r\n"), (false, "230 Guest login ok.\r\n"))));

        Assert.True(record.IsGuestLogin);
        Assert.True(record.LoggedIn);
    }

    [Fact]
    public void Telnet_sees_failed_logins_a_root_prompt_and_su()
    {
        var record = Assert.Single(CaptureScenarios.Extract(Conversation(23,
            (false, "login: "), (true, "root\r\n"), (false, "Password: "), (true, "wrong\r\n"), (false, "\r\nLogin incorrect\r\nlogin: "),
            (true, "bob\r\n"), (false, "Password: "), (true, "secret\r\n"), (false, "Last login: today\r\nbob@host:~$ "),
            (true, "su root\r\n"), (false, "Password: "), (true, "toor\r\n"), (false, "root@host:~# "))));

        Assert.Equal((1, true, 1, 1), (record.NumFailedLogins, record.LoggedIn, record.RootShell, record.SuAttempted));
    }

    [Fact]
    public void Http_errors_are_not_logged_in()
    {
        var record = Assert.Single(CaptureScenarios.Extract(new CaptureBuilder()
            .HttpSession(T, Client, 41001, Server, CaptureScenarios.HttpRequest, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")));

        Assert.Equal(("http", "SF", false), (record.Service, record.Flag, record.LoggedIn));
    }
}
