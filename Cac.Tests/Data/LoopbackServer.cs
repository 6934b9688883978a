using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Cac.Tests.Data;

/// <summary>
/// A tiny HTTP server on 127.0.0.1 (a free port) for the download tests: serves the files put in <see cref="Files"/>,
/// 404 for anything else; a path in <see cref="CutAfter"/> sends the full Content-Length header, that many body bytes,
/// then drops the connection. Nothing leaves the machine.
/// </summary>
internal sealed class LoopbackServer : IDisposable
{
    private readonly HttpListener _listener;
    private readonly Task _loop;

    public LoopbackServer()
    {
        for (int attempt = 0; ; attempt++)
        {
            int port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                _listener = listener;
                BaseAddress = new Uri($"http://127.0.0.1:{port}/");
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
        _loop = Task.Run(Serve);
    }

    /// <summary>The server's root address, ending in '/'.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Served files by path relative to the root ("dir/file.gz").</summary>
    public ConcurrentDictionary<string, byte[]> Files { get; } = new();

    /// <summary>Paths whose response stops after this many body bytes.</summary>
    public ConcurrentDictionary<string, int> CutAfter { get; } = new();

    /// <summary>Paths whose response sends this many body bytes, then nothing for two seconds, then drops the connection.</summary>
    public ConcurrentDictionary<string, int> StallAfter { get; } = new();

    /// <summary>Requests received per path.</summary>
    public ConcurrentDictionary<string, int> Requests { get; } = new();

    /// <summary>An HTTP client that never goes through a proxy (a proxy from the environment could not reach 127.0.0.1).</summary>
    public static HttpClient Client() => new(new HttpClientHandler { UseProxy = false });

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) { return; } // stopped
            _ = Task.Run(() => Handle(context));
        }
    }

    private void Handle(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            string path = context.Request.Url!.AbsolutePath.TrimStart('/');
            Requests.AddOrUpdate(path, 1, (_, n) => n + 1);
            if (!Files.TryGetValue(path, out var body))
            {
                response.StatusCode = 404;
                response.Close();
                return;
            }
            response.ContentType = "application/octet-stream";
            response.ContentLength64 = body.Length;
            bool stall = StallAfter.TryGetValue(path, out int stallAt);
            if (CutAfter.TryGetValue(path, out int cut) || stall)
            {
                response.OutputStream.Write(body, 0, stall ? stallAt : cut);
                response.OutputStream.Flush();
                Thread.Sleep(stall ? 2000 : 50);
                response.Abort();
                return;
            }
            response.OutputStream.Write(body);
            response.Close();
        }
        catch (Exception)
        {
            response.Abort();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
