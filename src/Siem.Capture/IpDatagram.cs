namespace Siem.Capture;

/// <summary>
/// A whole IP datagram (IPv4 reassembled when it came in fragments): addresses as 128-bit numbers (IPv4
/// as IPv4-mapped IPv6, ::ffff:a.b.c.d), the transport protocol number and the transport bytes (header and data).
/// </summary>
internal readonly record struct IpDatagram(double Time, UInt128 Source, UInt128 Destination, int Protocol, byte[] Transport, int WrongFragments);
