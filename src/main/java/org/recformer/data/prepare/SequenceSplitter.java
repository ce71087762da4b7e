package org.recformer.data.prepare;

import it.unimi.dsi.fastutil.objects.Object2IntLinkedOpenHashMap;
import it.unimi.dsi.fastutil.objects.Object2IntMap;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The finetuning rules of docs/spec.md §6, as in the public Recformer code
 * ({@code finetune_data/process.py}): keep users with at least {@code minInteractions} events;
 * keep each of them with probability {@code sampleFraction} (one draw per user, in order of first
 * appearance, from {@code new java.util.Random(seed)}); number the kept users in order of first
 * appearance and their items in order of first appearance walking the kept users in that order
 * and each user's events in input order (before sorting); then sort each user's events by time
 * (a stable sort: equal times keep input order).
 */
final class SequenceSplitter {

    /**
     * Users and items numbered densely from 0.
     *
     * @param users raw user id of each user id
     * @param items raw item id of each item id
     * @param sequences item ids of each user id, oldest first
     */
    record Sequences(List<String> users, List<String> items, List<int[]> sequences) {
    }

    private SequenceSplitter() {
    }

    static Sequences split(UserHistories histories, int minInteractions, double sampleFraction, long seed,
                           PrepareReport report) {
        Random random = new Random(seed);
        List<String> users = new ArrayList<>();
        Object2IntMap<String> itemIds = new Object2IntLinkedOpenHashMap<>(); // in order of first appearance
        List<int[]> sequences = new ArrayList<>();
        long shortUsers = 0, shortUserEvents = 0, unsampledUsers = 0, unsampledEvents = 0;
        for (Map.Entry<String, List<UserHistories.Event>> user : histories.byUser().entrySet()) {
            List<UserHistories.Event> events = user.getValue();
            if (events.size() < minInteractions) {
                shortUsers++;
                shortUserEvents += events.size();
                continue;
            }
            if (!(random.nextDouble() < sampleFraction)) {
                unsampledUsers++;
                unsampledEvents += events.size();
                continue;
            }
            users.add(user.getKey());
            for (UserHistories.Event event : events) {
                itemIds.putIfAbsent(event.item(), itemIds.size());
            }
            List<UserHistories.Event> byTime = new ArrayList<>(events);
            byTime.sort(Comparator.comparingLong(UserHistories.Event::time)); // List.sort is stable
            int[] sequence = new int[byTime.size()];
            for (int i = 0; i < sequence.length; i++) {
                sequence[i] = itemIds.getInt(byTime.get(i).item());
            }
            sequences.add(sequence);
        }
        report.drop("users_with_fewer_than_" + minInteractions + "_interactions", shortUsers);
        report.drop("interactions_of_those_users", shortUserEvents);
        if (sampleFraction < 1) {
            report.drop("users_not_sampled", unsampledUsers);
            report.drop("interactions_of_users_not_sampled", unsampledEvents);
        }
        return new Sequences(users, new ArrayList<>(itemIds.keySet()), sequences);
    }
}
