
namespace PrPortal.Tests.Support;

public static class LoopbackPorts
{
    /// <summary>A TCP port free on 127.0.0.1 right now, for a test server to listen on.</summary>
    public static int Free() => Sandbox.LoopbackPort.Pick();

    /// <summary>A UDP port free on 127.0.0.1 right now, for a test DNS server.</summary>
    public static int FreeUdp() => Sandbox.LoopbackPort.Pick();
}
