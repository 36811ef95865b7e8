/*
 * Readies the test cluster (cluster.sh) for one real run of a scenario, so
 * the run starts where the simulator starts:
 *
 *   - every broker registered and unfenced;
 *   - the scenario's groups and every topic left by earlier runs deleted
 *     (no old offsets, no old records, few logs to recover);
 *   - __consumer_offsets created up front (its first use otherwise costs
 *     the first group ~10 s of COORDINATOR_NOT_AVAILABLE);
 *   - replicas placed as sim/cluster.c places them (Kafka's rack-unaware
 *     placement with a fixed start: topic t starts at broker t % brokers,
 *     __consumer_offsets at broker 0): each group's __consumer_offsets
 *     partition abs(hashCode(group)) % partitions is reassigned to the
 *     simulator's replica order, and topics are created with the
 *     simulator's assignment, so the coordinator and every leader sit on
 *     the broker the simulator puts them on;
 *   - preferred leaders elected everywhere (a broker restarted by an
 *     earlier run leaves leadership elsewhere).
 *
 * Run with the JDK's source launcher, against the jars cluster.sh fetched:
 *   java -cp "$STORMLAB_KAFKA_LIBS/*" tests/kafka/Prepare.java BOOTSTRAP BROKERS \
 *        [--topic NAME:PARTITIONS:REPLICATION:INDEX]... [--group ID]...
 * Prints "controller NODE" (the active KRaft controller) and one line per
 * group, "coordinator GROUP BROKER".  Exit 0, or 1 with the reason on stderr.
 */
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.utils.Utils;

public class Prepare {
    static final String OFFSETS = "__consumer_offsets";
    static final long DEADLINE_MS = 90_000;

    /* sim/cluster.c place_replicas(), as broker ids 1..brokers. */
    static int replica(int i, int j, int brokers, int start) {
        int first = (i + start) % brokers;
        if (j == 0 || brokers < 2)
            return first + 1;
        int shift = start + i / brokers;
        return (first + 1 + (shift + j - 1) % (brokers - 1)) % brokers + 1;
    }

    static List<Integer> placement(int i, int rf, int brokers, int start) {
        List<Integer> r = new ArrayList<>();
        for (int j = 0; j < rf && j < brokers; j++)
            r.add(replica(i, j, brokers, start));
        return r;
    }

    static void fail(String why) {
        System.err.println("Prepare: " + why);
        System.exit(1);
    }

    static long start = System.currentTimeMillis();

    static void waitFor(String what, java.util.concurrent.Callable<Boolean> cond) throws Exception {
        while (true) {
            Exception last = null;
            try {
                if (cond.call())
                    return;
            } catch (ExecutionException e) {
                last = e;
            }
            if (System.currentTimeMillis() - start > DEADLINE_MS)
                fail("timed out waiting for " + what + (last != null ? ": " + last.getCause() : ""));
            Thread.sleep(200);
        }
    }

    static Map<String, TopicDescription> describe(Admin admin, Collection<String> topics) throws Exception {
        return admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2)
            fail("usage: Prepare BOOTSTRAP BROKERS [--topic NAME:PARTITIONS:REPLICATION:INDEX]... [--group ID]...");
        String bootstrap = args[0];
        int brokers = Integer.parseInt(args[1]);
        List<String[]> topics = new ArrayList<>();
        List<String> groups = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            if (args[i].equals("--topic") && i + 1 < args.length) {
                String[] t = args[++i].split(":");
                if (t.length != 4)
                    fail("--topic wants NAME:PARTITIONS:REPLICATION:INDEX, got " + args[i]);
                topics.add(t);
            } else if (args[i].equals("--group") && i + 1 < args.length) {
                groups.add(args[++i]);
            } else {
                fail("unexpected argument " + args[i]);
            }
        }
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        try (Admin admin = Admin.create(p)) {
            waitFor(brokers + " brokers registered", () ->
                admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size() >= brokers);

            // Earlier runs' groups and topics.
            // A run that just ended may still have members in the group (a
            // member the run killed stays until its session expires): wait for
            // them, as long as the longest session, before giving up.
            for (String g : groups) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                while (true) {
                    try {
                        admin.deleteConsumerGroups(List.of(g)).all().get(30, TimeUnit.SECONDS);
                        break;
                    } catch (ExecutionException e) {
                        if (e.getCause() instanceof GroupIdNotFoundException)
                            break;
                        boolean busy = e.getCause() instanceof GroupNotEmptyException
                                       || e.getCause() instanceof org.apache.kafka.common.errors.RetriableException;
                        if (!busy || System.nanoTime() > deadline)
                            fail("cannot delete group " + g + " (is a run still using it?): " + e.getCause());
                    } catch (java.util.concurrent.TimeoutException e) {
                        if (System.nanoTime() > deadline)
                            fail("cannot delete group " + g + ": timed out");
                    }
                    Thread.sleep(1000);
                }
            }
            Set<String> names = new HashSet<>();
            for (String[] t : topics)
                names.add(t[0]);
            // Every topic of earlier runs goes, not only this scenario's: a
            // killed broker recovers each log it holds before it serves again.
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            Set<String> doomed = new HashSet<>(existing);
            doomed.remove("stormlab-probe");
            if (!doomed.isEmpty()) {
                try {
                    admin.deleteTopics(doomed).all().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException))
                        throw e;
                }
                waitFor("topics " + doomed + " deleted", () -> {
                    Set<String> now = admin.listTopics().names().get(10, TimeUnit.SECONDS);
                    for (String t : doomed)
                        if (now.contains(t))
                            return false;
                    return true;
                });
            }

            // __consumer_offsets: FindCoordinator creates it.
            if (!groups.isEmpty()) {
                waitFor(OFFSETS + " created", () -> {
                    if (admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(10, TimeUnit.SECONDS)
                            .contains(OFFSETS))
                        return true;
                    try {
                        admin.describeConsumerGroups(groups).all().get(10, TimeUnit.SECONDS);
                    } catch (ExecutionException e) {
                        // COORDINATOR_NOT_AVAILABLE while it is being created
                    }
                    return false;
                });
                waitFor("every " + OFFSETS + " partition led", () -> {
                    for (TopicPartitionInfo pi : describe(admin, List.of(OFFSETS)).get(OFFSETS).partitions())
                        if (pi.leader() == null || pi.leader().isEmpty())
                            return false;
                    return true;
                });
            }

            // The simulator's replica order for each group's offsets partition.
            TopicDescription od = groups.isEmpty() ? null : describe(admin, List.of(OFFSETS)).get(OFFSETS);
            Map<TopicPartition, List<Integer>> want = new HashMap<>();
            Map<TopicPartition, Optional<NewPartitionReassignment>> moves = new HashMap<>();
            for (String g : groups) {
                int np = od.partitions().size();
                int part = Utils.abs(g.hashCode()) % np;
                int rf = od.partitions().get(part).replicas().size();
                List<Integer> target = placement(part, rf, brokers, 0);
                TopicPartition tp = new TopicPartition(OFFSETS, part);
                want.put(tp, target);
                List<Integer> now = new ArrayList<>();
                od.partitions().get(part).replicas().forEach(n -> now.add(n.id()));
                if (!now.equals(target))
                    moves.put(tp, Optional.of(new NewPartitionReassignment(target)));
            }
            if (!moves.isEmpty()) {
                admin.alterPartitionReassignments(moves).all().get(30, TimeUnit.SECONDS);
                waitFor("reassignment of " + moves.keySet(), () ->
                    admin.listPartitionReassignments(moves.keySet()).reassignments().get(10, TimeUnit.SECONDS).isEmpty());
            }

            // Topics with the simulator's assignment.
            List<NewTopic> create = new ArrayList<>();
            for (int ti = 0; ti < topics.size(); ti++) {
                String[] t = topics.get(ti);
                int parts = Integer.parseInt(t[1]), rf = Integer.parseInt(t[2]), index = Integer.parseInt(t[3]);
                Map<Integer, List<Integer>> assign = new HashMap<>();
                for (int i = 0; i < parts; i++) {
                    assign.put(i, placement(i, rf, brokers, index % brokers));
                    want.put(new TopicPartition(t[0], i), placement(i, rf, brokers, index % brokers));
                }
                create.add(new NewTopic(t[0], assign));
            }
            if (!create.isEmpty()) {
                // A deleted topic's name can be refused for a moment after it is gone.
                waitFor("topics " + names + " created", () -> {
                    try {
                        admin.createTopics(create).all().get(30, TimeUnit.SECONDS);
                    } catch (ExecutionException e) {
                        if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException))
                            throw e;
                    }
                    return true;
                });
            }

            // Preferred leaders everywhere, then check the partitions that
            // matter, twice a second apart: a broker an earlier run restarted
            // may still be catching up, and leadership must hold still.
            java.util.concurrent.Callable<Boolean> placed = () -> {
                try {
                    admin.electLeaders(ElectionType.PREFERRED, null).partitions().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    // ELECTION_NOT_NEEDED and friends come back per partition
                }
                Set<String> ts = new HashSet<>();
                for (TopicPartition tp : want.keySet())
                    ts.add(tp.topic());
                Map<String, TopicDescription> d = describe(admin, ts);
                for (Map.Entry<TopicPartition, List<Integer>> w : want.entrySet()) {
                    TopicPartitionInfo pi = d.get(w.getKey().topic()).partitions().get(w.getKey().partition());
                    List<Integer> reps = new ArrayList<>();
                    pi.replicas().forEach(n -> reps.add(n.id()));
                    if (!reps.equals(w.getValue()) || pi.leader() == null || pi.leader().id() != w.getValue().get(0)
                            || pi.isr().size() != reps.size())
                        return false;
                }
                return true;
            };
            waitFor("preferred leaders, held for a second", () -> {
                if (!placed.call())
                    return false;
                Thread.sleep(1000);
                return admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size() >= brokers && placed.call();
            });

            // The active KRaft controller: the simulator's controller is not a
            // node that can die, so a run that kills it is measured apart.
            System.out.println("controller " + admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId());
            // The coordinator is the leader of the group's offsets partition.
            if (!groups.isEmpty()) {
                TopicDescription now = describe(admin, List.of(OFFSETS)).get(OFFSETS);
                for (String g : groups) {
                    int part = Utils.abs(g.hashCode()) % now.partitions().size();
                    System.out.println("coordinator " + g + " " + now.partitions().get(part).leader().id());
                }
            }
        }
    }
}
