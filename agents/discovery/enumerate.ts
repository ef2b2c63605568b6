// What is plugged into this machine: USB devices and serial ports. The Enumerator interface is
// the seam for tests, which feed recorded device lists (test/agents/fixtures/*.json).
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface UsbDeviceInfo {
  vid: number;
  pid: number;
  serialNumber?: string;
  manufacturer?: string;
  product?: string;
  /** Bus-port path as Linux names it, e.g. "1-1.4": stable for a physical socket. */
  location: string;
}

export interface SerialPortInfo {
  path: string;
  vid?: number;
  pid?: number;
  serialNumber?: string;
  manufacturer?: string;
  /** USB location of the device the port belongs to, when known. */
  location?: string;
}

export interface Enumerator {
  usbDevices(): Promise<UsbDeviceInfo[]>;
  serialPorts(): Promise<SerialPortInfo[]>;
}

/** Enumerator over recorded lists (tests, `--list` replay). */
export function recordedEnumerator(rec: { usb: UsbDeviceInfo[]; serial: SerialPortInfo[] }): Enumerator {
  return { usbDevices: async () => rec.usb, serialPorts: async () => rec.serial };
}

const SYS_USB = '/sys/bus/usb/devices';
const readSys = (p: string): string | undefined => {
  try { return readFileSync(p, 'utf8').trim(); } catch { return undefined; }
};

/** The machine's real devices: libusb through the `usb` package, serial ports through `serialport`. */
export function systemEnumerator(): Enumerator {
  return {
    async usbDevices() {
      const { getDeviceList } = await import('usb');
      const out: UsbDeviceInfo[] = [];
      for (const dev of getDeviceList()) {
        const d = dev.deviceDescriptor;
        const location = `${dev.busNumber}-${(dev.portNumbers ?? []).join('.')}`;
        // sysfs gives the strings without opening the device (no permissions needed); libusb
        // string descriptors are the fallback where sysfs is not there.
        let serialNumber = readSys(join(SYS_USB, location, 'serial'));
        let manufacturer = readSys(join(SYS_USB, location, 'manufacturer'));
        let product = readSys(join(SYS_USB, location, 'product'));
        if (serialNumber === undefined && d.iSerialNumber) {
          try {
            dev.open();
            const str = (i: number) => new Promise<string | undefined>((res) => dev.getStringDescriptor(i, (e, v) => res(e ? undefined : v)));
            serialNumber = await str(d.iSerialNumber);
            manufacturer ??= d.iManufacturer ? await str(d.iManufacturer) : undefined;
            product ??= d.iProduct ? await str(d.iProduct) : undefined;
          } catch {
            // No permission on this device: it is still listed, by ids and location.
          } finally {
            try { dev.close(); } catch { /* was not open */ }
          }
        }
        out.push({ vid: d.idVendor, pid: d.idProduct, serialNumber, manufacturer, product, location });
      }
      return out;
    },
    async serialPorts() {
      try {
        const { SerialPort } = await import('serialport');
        const list = await SerialPort.list();
        return list.map((p) => ({
          path: p.path,
          vid: p.vendorId ? parseInt(p.vendorId, 16) : undefined,
          pid: p.productId ? parseInt(p.productId, 16) : undefined,
          serialNumber: p.serialNumber,
          manufacturer: p.manufacturer,
          location: usbLocationOfTty(basename(p.path)),
        }));
      } catch {
        // serialport's Linux lister needs udevadm; containers often lack it. sysfs has the same facts.
        return sysfsSerialPorts();
      }
    },
  };
}

/** The USB device folder (e.g. "1-1.4") a tty belongs to, from sysfs. */
function usbLocationOfTty(tty: string): string | undefined {
  try {
    const dev = realpathSync(`/sys/class/tty/${tty}/device`);
    // .../usb1/1-1/1-1.4/1-1.4:1.0[/ttyUSB0] -> the first component without ':' going up
    const parts = dev.split('/');
    for (let i = parts.length - 1; i >= 0; i--) {
      if (/^\d+-[\d.]+$/.test(parts[i]!)) return parts[i];
    }
  } catch { /* not a USB tty */ }
  return undefined;
}

export function sysfsSerialPorts(): SerialPortInfo[] {
  if (!existsSync('/sys/class/tty')) return [];
  const out: SerialPortInfo[] = [];
  for (const tty of readdirSync('/sys/class/tty')) {
    if (!/^tty(ACM|USB)\d+$/.test(tty)) continue;
    const location = usbLocationOfTty(tty);
    const base = location ? join(SYS_USB, location) : undefined;
    const vid = base ? readSys(join(base, 'idVendor')) : undefined;
    const pid = base ? readSys(join(base, 'idProduct')) : undefined;
    out.push({
      path: `/dev/${tty}`,
      vid: vid ? parseInt(vid, 16) : undefined,
      pid: pid ? parseInt(pid, 16) : undefined,
      serialNumber: base ? readSys(join(base, 'serial')) : undefined,
      manufacturer: base ? readSys(join(base, 'manufacturer')) : undefined,
      location,
    });
  }
  return out;
}
