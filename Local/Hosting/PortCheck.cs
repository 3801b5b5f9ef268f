using System.Net;
using System.Net.Sockets;

namespace AppSyncChat.Local.Hosting;

/// <summary>
/// Checks every fixed port before anything starts, so a taken port is reported by name and flag at once
/// instead of after half the stack is up. The real bind can still lose a race; that failure is mapped
/// to the same error by the part that binds.
/// </summary>
internal static class PortCheck
{
    public static void EnsureFree(LocalStackPorts ports)
    {
        var seen = new Dictionary<int, PortBinding>();
        foreach (var binding in ports.All())
        {
            if (binding.Port is < 0 or > 65535)
            {
                throw LocalStackException.InvalidOption($"{binding.Flag} must be between 0 and 65535, got {binding.Port}.");
            }

            if (binding.Port == 0)
            {
                continue;
            }

            if (seen.TryGetValue(binding.Port, out var other))
            {
                throw LocalStackException.InvalidOption($"Port {binding.Port} is given to both {other.Service} ({other.Flag}) and {binding.Service} ({binding.Flag}).");
            }

            seen[binding.Port] = binding;
            if (!IsFree(binding.Port, out var error))
            {
                throw LocalStackException.PortInUse(binding.Service, binding.Port, binding.Flag, binding.EnvironmentVariable, error);
            }
        }
    }

    internal static bool IsFree(int port, out SocketException? error)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Same semantics as the servers' own listeners (SO_REUSEADDR on Linux, so TIME_WAIT does not count as taken).
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            socket.Listen(1);
            error = null;
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            error = ex;
            return false;
        }
    }
}
