using System.Net;
using System.Net.Sockets;

namespace PrPortal.Sandbox;

/// <summary>
/// A port for a sandbox server that is free for TCP and UDP right now. Chosen below Linux's ephemeral
/// range (32768–60999), so an outgoing connection elsewhere cannot take it between the choice and the bind.
/// </summary>
public static class LoopbackPort
{
    public static int Pick(IPAddress? address = null)
    {
        address ??= IPAddress.Loopback;
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(20_000, 32_000);
            try
            {
                using var tcp = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                tcp.Bind(new IPEndPoint(address, port));
                using var udp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                udp.Bind(new IPEndPoint(address, port));
                return port;
            }
            catch (SocketException)
            {
                // taken: try another
            }
        }
        throw new InvalidOperationException($"No free port found on {address} between 20000 and 32000.");
    }
}
