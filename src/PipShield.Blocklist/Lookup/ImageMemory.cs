using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace PipShield.Blocklist.Lookup;

/// <summary>Where an image's bytes live: a read-only file mapping, or an aligned native copy (tests, in-memory builds).</summary>
internal abstract unsafe class ImageMemory : IDisposable
{
    public byte* Pointer { get; protected set; }

    public long Length { get; protected set; }

    public abstract void Dispose();

    public static ImageMemory Map(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.None);
        try
        {
            if (stream.Length == 0)
            {
                ThrowHelper.InvalidImage($"{path}: the file is empty");
            }

            return new Mapped(stream);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    public static ImageMemory Copy(ReadOnlySpan<byte> bytes) => new Native(bytes);

    private sealed class Mapped : ImageMemory
    {
        private readonly MemoryMappedFile _file;
        private readonly MemoryMappedViewAccessor _view;

        public Mapped(FileStream stream)
        {
            _file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            Pointer = pointer + _view.PointerOffset;
            Length = stream.Length;
        }

        public override void Dispose()
        {
            if (Pointer != null)
            {
                Pointer = null;
                _view.SafeMemoryMappedViewHandle.ReleasePointer();
            }

            _view.Dispose();
            _file.Dispose();
        }
    }

    private sealed class Native : ImageMemory
    {
        public Native(ReadOnlySpan<byte> bytes)
        {
            // 64-byte alignment keeps each bucket on one cache line, as in a page-aligned mapping.
            Pointer = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes.Length, 1), 64);
            bytes.CopyTo(new Span<byte>(Pointer, bytes.Length));
            Length = bytes.Length;
        }

        public override void Dispose()
        {
            if (Pointer != null)
            {
                NativeMemory.AlignedFree(Pointer);
                Pointer = null;
            }
        }
    }
}
