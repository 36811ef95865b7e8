/*
 * One scenario member played by the real Apache Kafka Java consumer, one
 * JVM per member, driven by `stormlab run` over a line protocol: commands
 * on stdin, events on stdout, the client's own log (slf4j-simple, INFO) on
 * stderr.  The protocol is written down in docs/real-runs.md ("Java
 * members"); this file is its only implementation on the Java side.
 *
 * The main thread is the application's poll loop (KafkaConsumer is not
 * thread safe: every consumer call is made here).  A reader thread takes
 * commands; `stall` makes the poll loop wait (the client's own heartbeat
 * thread goes on, as in an application stuck in its processing), `close`
 * closes the consumer (LeaveGroup) and exits.  A hard kill and a freeze are
 * signals the harness sends to this process (SIGKILL, SIGSTOP).
 */
package dev.stormlab.member;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

public final class Member {
    /* Events go out whole, one line each, in the order they happen. */
    private static final PrintStream OUT = new PrintStream(System.out, false, StandardCharsets.UTF_8);

    private static synchronized void emit(String line) {
        OUT.println(line);
        OUT.flush();
    }

    private final Properties props = new Properties();
    /* KIP-848 group configs (consumer.session.timeout.ms, ...): the broker's
     * per group, set with the Admin API before subscribing. */
    private final Map<String, String> groupConfigs = new HashMap<>();
    private final LinkedBlockingQueue<String[]> commands = new LinkedBlockingQueue<>();
    private List<String> topics = List.of();
    private long processingMedianUs, processingP99Us;
    private SplittableRandom rng = new SplittableRandom(1);
    private boolean syncCommit;
    private long onRevokeUs;
    private volatile boolean stalled, closing;
    private KafkaConsumer<byte[], byte[]> consumer;

    public static void main(String[] args) throws Exception {
        new Member().run();
    }

    private void run() throws Exception {
        warmUp();
        emit("ready");
        Thread reader = new Thread(this::readCommands, "stormlab-commands");
        reader.setDaemon(true);
        reader.start();
        /* Configuration until `subscribe`. */
        while (consumer == null) {
            String[] c = commands.take();
            if (!configure(c))
                return;
        }
        pollLoop();
    }

    /* Loads and initialises the consumer's classes before `subscribe`, so a
     * member started ahead of the run joins its group at the scenario's time,
     * not a class-loading pause later.  No consumer is made: nothing is
     * logged and no connection is opened. */
    private static void warmUp() {
        String[] names = {"org.apache.kafka.clients.consumer.KafkaConsumer",
            "org.apache.kafka.clients.consumer.internals.ClassicKafkaConsumer",
            "org.apache.kafka.clients.consumer.internals.AsyncKafkaConsumer",
            "org.apache.kafka.clients.consumer.internals.ConsumerCoordinator",
            "org.apache.kafka.clients.consumer.internals.ConsumerMembershipManager",
            "org.apache.kafka.clients.consumer.internals.Fetcher", "org.apache.kafka.clients.NetworkClient",
            "org.apache.kafka.common.network.Selector", "org.apache.kafka.common.requests.JoinGroupRequest",
            "org.apache.kafka.common.requests.ConsumerGroupHeartbeatRequest",
            "org.apache.kafka.common.requests.FetchResponse", "org.apache.kafka.common.metrics.Metrics"};
        for (String n : names) {
            try {
                Class.forName(n, true, Member.class.getClassLoader());
            } catch (Throwable e) {
                /* a class another version lacks: only slower */
            }
        }
        new org.apache.kafka.clients.consumer.ConsumerConfig(Map.of("bootstrap.servers", "127.0.0.1:1", "group.id", "w",
                "key.deserializer", ByteArrayDeserializer.class.getName(), "value.deserializer",
                ByteArrayDeserializer.class.getName()));
    }

    private void readCommands() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null;) {
                line = line.strip();
                if (line.isEmpty())
                    continue;
                String[] c = line.split(" ", 2);
                switch (c[0]) {
                    case "stall" -> stalled = c.length > 1 && c[1].equals("1");
                    case "close" -> {
                        closing = true;
                        KafkaConsumer<byte[], byte[]> k = consumer;
                        if (k != null)
                            k.wakeup();
                        else
                            commands.add(c);
                    }
                    default -> commands.add(c);
                }
            }
        } catch (Exception e) {
            emit("error stdin: " + e);
        }
        /* stdin closed: the harness is gone; leave as a controlled close would. */
        closing = true;
        KafkaConsumer<byte[], byte[]> k = consumer;
        if (k != null)
            k.wakeup();
        else
            commands.add(new String[] {"close"});
    }

    /* One configuration command; false when the member is to exit. */
    private boolean configure(String[] c) {
        String arg = c.length > 1 ? c[1] : "";
        try {
            switch (c[0]) {
                case "config" -> {
                    int eq = arg.indexOf('=');
                    if (eq <= 0)
                        throw new IllegalArgumentException("config wants KEY=VALUE, got '" + arg + "'");
                    props.setProperty(arg.substring(0, eq), arg.substring(eq + 1));
                }
                case "group_config" -> {
                    int eq = arg.indexOf('=');
                    if (eq <= 0)
                        throw new IllegalArgumentException("group_config wants KEY=VALUE, got '" + arg + "'");
                    groupConfigs.put(arg.substring(0, eq), arg.substring(eq + 1));
                }
                case "processing" -> {
                    String[] w = arg.split(" ");
                    processingMedianUs = Long.parseLong(w[0]);
                    processingP99Us = Long.parseLong(w[1]);
                    rng = new SplittableRandom(Long.parseLong(w[2]));
                }
                case "commit" -> syncCommit = switch (arg) {
                    case "sync" -> true;
                    case "auto" -> false;
                    default -> throw new IllegalArgumentException("commit wants auto|sync, got '" + arg + "'");
                };
                case "on_revoke" -> onRevokeUs = Long.parseLong(arg);
                case "subscribe" -> {
                    if (!groupConfigs.isEmpty())
                        setGroupConfigs();
                    topics = List.of(arg.split(","));
                    props.setProperty("key.deserializer", ByteArrayDeserializer.class.getName());
                    props.setProperty("value.deserializer", ByteArrayDeserializer.class.getName());
                    props.setProperty("enable.auto.commit", syncCommit ? "false" : "true");
                    props.setProperty("interceptor.classes", CommitReporter.class.getName());
                    consumer = new KafkaConsumer<>(props);
                    consumer.subscribe(topics, new Listener());
                    emit("started " + ProcessHandle.current().pid());
                }
                case "close" -> {
                    emit("closed");
                    return false;
                }
                default -> throw new IllegalArgumentException("unknown command '" + c[0] + "'");
            }
        } catch (RuntimeException e) {
            emit("error " + c[0] + ": " + oneLine(e));
            if (c[0].equals("subscribe")) {
                emit("closed");
                return false;
            }
        }
        return true;
    }

    /* The group's own settings on the broker (KIP-848: the coordinator
     * times sessions and heartbeats), through the same proxied addresses. */
    private void setGroupConfigs() {
        Properties ap = new Properties();
        ap.setProperty("bootstrap.servers", props.getProperty("bootstrap.servers"));
        ap.setProperty("client.id", props.getProperty("client.id", "stormlab") + "-admin");
        ConfigResource group = new ConfigResource(ConfigResource.Type.GROUP, props.getProperty("group.id"));
        List<AlterConfigOp> ops = new ArrayList<>();
        groupConfigs.forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
        try (Admin admin = Admin.create(ap)) {
            admin.incrementalAlterConfigs(Map.of(group, ops)).all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("setting " + groupConfigs + " on group " + group.name() + ": " + cause, cause);
        }
        emit("group_config " + String.join(",", groupConfigs.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).sorted().toList()));
    }

    private void pollLoop() {
        try {
            while (!closing) {
                while (stalled && !closing)
                    LockSupport.parkNanos(10_000_000L);
                if (closing)
                    break;
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                reportEpoch();
                if (!records.isEmpty())
                    process(records);
            }
        } catch (WakeupException e) {
            /* close asked for */
        } catch (RuntimeException e) {
            emit("error poll: " + oneLine(e));
        }
        try {
            consumer.close();
        } catch (RuntimeException e) {
            emit("error close: " + oneLine(e));
        }
        emit("closed");
        System.exit(0);
    }

    /* epoch N MEMBER_ID when the generation or member epoch the consumer
     * holds after a poll changed: a KIP-848 member moves to a new epoch
     * without logging it when its state stays STABLE (the new target leaves
     * its partitions as they are), so the harness would never see it. */
    private int reportedEpoch = -1;

    private void reportEpoch() {
        int epoch = consumer.groupMetadata().generationId();
        if (epoch > 0 && epoch != reportedEpoch) {
            reportedEpoch = epoch;
            emit("epoch " + epoch + " " + consumer.groupMetadata().memberId());
        }
    }

    /* Processes a batch: the scenario's processing time per record, then the
     * payloads reported (the harness decodes run, topic and sequence number),
     * then a synchronous commit when the group commits per batch. */
    private void process(ConsumerRecords<byte[], byte[]> records) {
        StringBuilder consumed = new StringBuilder("consumed");
        Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
        long debtUs = 0;
        for (ConsumerRecord<byte[], byte[]> r : records) {
            debtUs += processingUs();
            if (debtUs >= 2000) {
                sleepUs(debtUs);
                debtUs = 0;
            }
            while (stalled && !closing)
                LockSupport.parkNanos(10_000_000L);
            if (closing)
                break;
            consumed.append(' ').append(r.topic()).append('-').append(r.partition()).append(':').append(r.offset())
                    .append(':').append(hex(r.value()));
            done.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
            if (consumed.length() > 32_000) {
                emit(consumed.toString());
                consumed.setLength(0);
                consumed.append("consumed");
            }
        }
        sleepUs(debtUs);
        if (consumed.length() > "consumed".length())
            emit(consumed.toString());
        if (syncCommit && !done.isEmpty()) {
            try {
                consumer.commitSync(done);
            } catch (WakeupException e) {
                throw e;
            } catch (RuntimeException e) {
                emit("error commit: " + oneLine(e));
            }
        }
        /* Auto commit commits what poll() returned at the next poll(): the
         * whole batch has been processed by then. */
    }

    /* Lognormal with the scenario's median and p99 (constant when equal):
     * the model of stormlab/rng.h (sl_processing_us), the same distribution
     * and constant the simulator and librdkafka members use. */
    private long processingUs() {
        if (processingP99Us <= processingMedianUs)
            return processingMedianUs;
        double u1 = rng.nextDouble(), u2 = rng.nextDouble();
        double z = Math.sqrt(-2.0 * Math.log(1.0 - u1)) * Math.cos(2 * Math.PI * u2);
        double sigma = Math.log((double) processingP99Us / processingMedianUs) / 2.3263478740408408;
        return (long) (processingMedianUs * Math.exp(sigma * z));
    }

    private static void sleepUs(long us) {
        if (us > 0)
            LockSupport.parkNanos(us * 1000);
    }

    /* Every commit the coordinator accepted (auto and synchronous alike):
     * the consumer calls its interceptors with them. */
    public static final class CommitReporter implements ConsumerInterceptor<byte[], byte[]> {
        @Override
        public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
            return records;
        }

        @Override
        public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
            if (offsets.isEmpty())
                return;
            StringBuilder b = new StringBuilder("committed");
            offsets.forEach((tp, om) -> b.append(' ').append(tp.topic()).append('-').append(tp.partition())
                    .append('=').append(om.offset()));
            emit(b.toString());
        }

        @Override
        public void close() {
        }

        @Override
        public void configure(Map<String, ?> configs) {
        }
    }

    /* assigned|revoked|lost GENERATION MEMBER_ID PARTITIONS: the generation
     * (classic) or member epoch (consumer protocol) and member id as the
     * client holds them when the callback runs. */
    private final class Listener implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> parts) {
            emit(event("assigned", parts));
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> parts) {
            if (parts.isEmpty())
                return; /* cooperative rebalances call it with nothing */
            emit(event("revoked", parts));
            sleepUs(onRevokeUs); /* the application's revoke callback: commit, flush */
            if (syncCommit) {
                Map<TopicPartition, OffsetAndMetadata> pos = new HashMap<>();
                for (TopicPartition tp : parts)
                    pos.put(tp, new OffsetAndMetadata(consumer.position(tp)));
                try {
                    consumer.commitSync(pos);
                } catch (RuntimeException e) {
                    emit("error commit: " + oneLine(e));
                }
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> parts) {
            emit(event("lost", parts));
        }
    }

    private String event(String kind, Collection<TopicPartition> parts) {
        int gen = -1;
        String id = "-";
        try {
            var md = consumer.groupMetadata();
            gen = md.generationId();
            if (!md.memberId().isEmpty())
                id = md.memberId();
        } catch (RuntimeException e) {
            /* no group metadata yet */
        }
        List<String> names = new ArrayList<>();
        for (TopicPartition tp : parts)
            names.add(tp.topic() + "-" + tp.partition());
        names.sort(null);
        return kind + " " + gen + " " + id + " " + (names.isEmpty() ? "-" : String.join(",", names));
    }

    private static String hex(byte[] v) {
        if (v == null)
            return "-";
        StringBuilder b = new StringBuilder(v.length * 2);
        for (byte x : v)
            b.append(Character.forDigit((x >> 4) & 15, 16)).append(Character.forDigit(x & 15, 16));
        return b.toString();
    }

    private static String oneLine(Throwable e) {
        return (e.getClass().getSimpleName() + ": " + e.getMessage()).replace('\n', ' ');
    }
}
