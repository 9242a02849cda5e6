namespace PipShield.Service.Devices;

/// <summary>The device store cannot be read or holds something invalid; the message names the file and the problem.</summary>
internal sealed class DeviceFileException(string message) : Exception(message);
