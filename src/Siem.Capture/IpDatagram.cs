namespace Siem.Capture;

/// <summary>
/// A whole IPv4 datagram (reassembled when it came in fragments): addresses as 32-bit numbers, the
/// transport protocol number and the transport bytes (header and data).
/// </summary>
internal readonly record struct IpDatagram(double Time, uint Source, uint Destination, int Protocol, byte[] Transport, int WrongFragments);
