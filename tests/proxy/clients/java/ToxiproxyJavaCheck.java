// The real toxiproxy-java client (eu.rekawek.toxiproxy:toxiproxy-java 2.1.11,
// pinned in pom.xml) driving `stormlab proxy`: each call checked by what the
// bytes do through an echo server of our own, not only by status codes.
// Usage: java -cp 'lib/*' ToxiproxyJavaCheck.java http://127.0.0.1:PORT
// (tests/proxy/clients/run_client.sh runs it).
import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import eu.rekawek.toxiproxy.model.toxic.Bandwidth;
import eu.rekawek.toxiproxy.model.toxic.Latency;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.util.Arrays;

public class ToxiproxyJavaCheck {
    static int step = 0;

    static void ok(String what) {
        System.out.println("ok " + (++step) + " - " + what);
    }

    static void check(boolean cond, String msg) {
        if (!cond)
            throw new AssertionError(msg);
    }

    /** An echo server on 127.0.0.1, one thread per connection. */
    static ServerSocket echo() throws IOException {
        ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!ss.isClosed()) {
                try {
                    Socket s = ss.accept();
                    new Thread(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            byte[] b = new byte[8192];
                            int n;
                            while ((n = in.read(b)) > 0)
                                out.write(b, 0, n);
                        } catch (IOException e) {
                            // peer gone
                        }
                    }).start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return ss;
    }

    static int portOf(String listen) {
        return Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
    }

    static Socket connect(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setTcpNoDelay(true);
        s.setSoTimeout(5000);
        return s;
    }

    /** Sends payload, reads as many bytes back; returns the milliseconds. */
    static double exchange(Socket s, byte[] payload) throws IOException {
        long t0 = System.nanoTime();
        s.getOutputStream().write(payload);
        byte[] got = s.getInputStream().readNBytes(payload.length);
        check(Arrays.equals(got, payload), "echo changed: got " + got.length + " bytes");
        return (System.nanoTime() - t0) / 1e6;
    }

    /** Milliseconds until the peer closes s (EOF or reset). */
    static long closedAfter(Socket s) throws IOException {
        long t0 = System.nanoTime();
        try {
            while (s.getInputStream().read() >= 0) {
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("still open after 5 s");
        } catch (IOException e) {
            // reset: closed too
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    public static void main(String[] args) throws Exception {
        URI api = URI.create(args[0]);
        ToxiproxyClient client = new ToxiproxyClient(api.getHost(), api.getPort());
        ServerSocket up = echo();
        int upPort = up.getLocalPort();

        check(client.version().contains("2."), "version: " + client.version());
        ok("version");

        // given a proxy to "localhost" (a hostname), when 1000 bytes go
        // through, then they come back unchanged
        Proxy proxy = client.createProxy("db", "127.0.0.1:0", "localhost:" + upPort);
        check(proxy.getUpstream().equals("localhost:" + upPort), "upstream " + proxy.getUpstream());
        int port = portOf(proxy.getListen());
        Socket s = connect(port);
        byte[] payload = new byte[1000];
        Arrays.fill(payload, (byte) 'j');
        double base = exchange(s, payload);
        ok(String.format("createProxy to localhost: 1000 bytes echoed in %.1f ms", base));

        // when a downstream latency of 200 ms is added, then a round trip
        // takes 200+ ms; setLatency(400) makes it 400+
        Latency lat = proxy.toxics().latency("lat", ToxicDirection.DOWNSTREAM, 200);
        double ms = exchange(s, "ping".getBytes());
        check(ms >= 195, "latency 200: " + ms);
        lat.setLatency(400);
        check(((Latency) proxy.toxics().get("lat")).getLatency() == 400, "get after setLatency");
        double ms2 = exchange(s, "ping".getBytes());
        check(ms2 >= 395, "latency 400: " + ms2);
        lat.remove();
        double ms3 = exchange(s, "ping".getBytes());
        check(ms3 < 150, "no toxic: " + ms3);
        ok(String.format("latency 200 -> %.1f ms, setLatency 400 -> %.1f ms, remove -> %.1f ms", ms, ms2, ms3));

        // given a bandwidth of 100 KB/s downstream, when 200,000 bytes are
        // echoed, then it takes about 2 s (at least 1.5)
        Bandwidth bw = proxy.toxics().bandwidth("bw", ToxicDirection.DOWNSTREAM, 100);
        byte[] big = new byte[200_000];
        Arrays.fill(big, (byte) 'b');
        double bms = exchange(s, big);
        check(bms >= 1500 && bms < 6000, "bandwidth 100 KB/s, 200 KB took " + bms);
        bw.remove();
        ok(String.format("bandwidth 100 KB/s: 200,000 bytes in %.0f ms", bms));

        // given a timeout of 300 ms upstream, when the client sends, then
        // the link closes about 300 ms later
        proxy.toxics().timeout("to", ToxicDirection.UPSTREAM, 300);
        s.close();
        s = connect(port);
        s.getOutputStream().write("lost".getBytes());
        long closed = closedAfter(s);
        check(closed >= 250 && closed < 1500, "timeout 300 closed after " + closed);
        s.close();
        ok("timeout 300 ms: closed after " + closed + " ms");

        // limit_data of 10 bytes downstream: 10 bytes back, then close
        proxy.toxics().get("to").remove();
        proxy.toxics().limitData("lim", ToxicDirection.DOWNSTREAM, 10);
        s = connect(port);
        s.getOutputStream().write(new byte[100]);
        byte[] got = s.getInputStream().readAllBytes();
        check(got.length == 10, "limit_data 10 gave " + got.length);
        s.close();
        ok("limit_data 10 bytes: 10 bytes then close");

        // disable refuses connections, enable accepts them again
        proxy.disable();
        try {
            connect(port).close();
            throw new AssertionError("a disabled proxy accepted");
        } catch (ConnectException e) {
            // refused, as wanted
        }
        proxy.enable();
        check(client.getProxy("db").isEnabled(), "enabled");
        ok("disable / enable: refused, then accepted");

        // reset removes every toxic: the bytes pass again
        check(client.getProxy("db").toxics().getAll().size() == 1, "one toxic before reset");
        client.reset();
        check(client.getProxy("db").toxics().getAll().isEmpty(), "toxics after reset");
        s = connect(portOf(client.getProxy("db").getListen()));
        exchange(s, payload);
        s.close();
        ok("getProxy, toxics().getAll(), reset: toxics gone, bytes pass");

        // getProxies lists it; getProxyOrNull of a missing one is null;
        // delete closes its port
        check(client.getProxies().size() == 1, "getProxies");
        check(client.getProxyOrNull("nope") == null, "getProxyOrNull");
        proxy.delete();
        check(client.getProxyOrNull("db") == null, "deleted");
        try {
            connect(port).close();
            throw new AssertionError("a deleted proxy accepted");
        } catch (ConnectException e) {
            // refused, as wanted
        }
        ok("getProxies, getProxyOrNull, delete: gone, port closed");

        up.close();
        System.out.println("# " + step + " steps passed");
    }
}
