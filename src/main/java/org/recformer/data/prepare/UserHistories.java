package org.recformer.data.prepare;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Raw interactions grouped by user: users in order of first appearance, each user's events in input order. */
final class UserHistories {

    /** One interaction: a raw item id and its time. */
    record Event(String item, long time) {
    }

    private final Map<String, List<Event>> byUser = new LinkedHashMap<>();

    void add(String user, String item, long time) {
        byUser.computeIfAbsent(user, u -> new ArrayList<>()).add(new Event(item, time));
    }

    /** Users in order of first appearance, with their events in input order. */
    Map<String, List<Event>> byUser() {
        return byUser;
    }

    /** Number of events. */
    long eventCount() {
        long count = 0;
        for (List<Event> events : byUser.values()) {
            count += events.size();
        }
        return count;
    }

    /**
     * Removes the events whose item fails the test (users left without events disappear).
     *
     * @return the number of events removed
     */
    long retainItems(Predicate<String> keep) {
        long removed = 0;
        for (var users = byUser.values().iterator(); users.hasNext(); ) {
            List<Event> events = users.next();
            int before = events.size();
            events.removeIf(event -> !keep.test(event.item()));
            removed += before - events.size();
            if (events.isEmpty()) {
                users.remove();
            }
        }
        return removed;
    }
}
