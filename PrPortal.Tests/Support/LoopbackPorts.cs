using System.Net;
using System.Net.Sockets;

namespace PrPortal.Tests.Support;

public static class LoopbackPorts
{
    /// <summary>A TCP port free on 127.0.0.1 right now, for a test server to listen on.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A UDP port free on 127.0.0.1 right now, for a test DNS server.</summary>
    public static int FreeUdp()
    {
        using var socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.Client.LocalEndPoint!).Port;
    }
}
