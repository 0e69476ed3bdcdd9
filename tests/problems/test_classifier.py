"""What softmax and two_layer share: views, mini-batches, probabilities, accuracy."""

import numpy as np
import pytest

from optbench.problems import get_problem

CLASSIFIERS = [dict(name="softmax"), dict(name="two_layer", hidden_size=8)]


@pytest.fixture(params=CLASSIFIERS, ids=lambda options: options["name"])
def classifier(request):
    return get_problem(**request.param)


def test_views_share_memory_and_tile_the_flat_vector(classifier):
    x = classifier.x0()
    views = classifier.params(x)
    assert list(views) == list(classifier.shapes)
    assert all(np.shares_memory(view, x) for view in views.values())
    assert sum(view.size for view in views.values()) == classifier.n
    np.testing.assert_array_equal(np.concatenate([v.ravel() for v in views.values()]), x)
    last = list(views)[-1]
    views[last][...] = 7.0
    assert np.all(x[-views[last].size:] == 7.0)


def test_batches_of_a_partition_average_to_the_full_loss(classifier):
    """1437 = 3 x 479 training images: L_data averages over equal thirds, L_reg is
    the same in each, so the three batch losses and gradients average to f and g."""
    x = classifier.x0(seed=1)
    thirds = np.random.default_rng(0).permutation(classifier.n_train).reshape(3, -1)
    losses, grads = zip(*(classifier.batch_loss_and_gradient(x, batch) for batch in thirds))
    f, g = classifier.loss_and_gradient(x)
    assert np.mean(losses) == pytest.approx(f, rel=1e-13)
    np.testing.assert_allclose(np.mean(grads, axis=0), g, rtol=1e-10, atol=1e-15)


def test_sample_batch_is_seeded_and_distinct(classifier):
    first = classifier.sample_batch(np.random.default_rng(5), 64)
    np.testing.assert_array_equal(first, classifier.sample_batch(np.random.default_rng(5), 64))
    assert len(np.unique(first)) == 64 and 0 <= first.min() and first.max() < classifier.n_train


@pytest.mark.parametrize("rng, size, error", [(np.random.default_rng(0), 0, ValueError),
                                              (np.random.default_rng(0), 1438, ValueError),
                                              (np.random.default_rng(0), 2.0, TypeError),
                                              (0, 10, TypeError)])
def test_bad_batch_requests(classifier, rng, size, error):
    with pytest.raises(error):
        classifier.sample_batch(rng, size)


@pytest.mark.parametrize("indices", [[], [[0, 1]], [0.5], [-1], [1437]])
def test_bad_batch_indices(classifier, indices):
    with pytest.raises(ValueError, match="batch_indices"):
        classifier.batch_loss_and_gradient(classifier.x0(), np.array(indices))


def test_probabilities_and_accuracy(classifier):
    x = classifier.x0()
    probs = classifier.predict_proba(x, "val")
    assert probs.shape == (len(classifier.labels("val")), 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-12)
    accuracy = classifier.accuracy(x, "train")
    assert accuracy == np.mean(classifier.predict_proba(x, "train").argmax(axis=1) == classifier.labels("train"))
    with pytest.raises(ValueError, match=r"split must be one of \('train', 'val'\)"):
        classifier.accuracy(x, "test")


def test_loss_parts_add_up_to_the_training_loss(classifier):
    x = classifier.x0()
    parts = classifier.loss_parts(x, "train")
    assert parts["data"] + parts["reg"] == pytest.approx(classifier.loss(x), rel=1e-14)
    assert parts["reg"] == pytest.approx(
        0.5 * classifier.reg * sum(np.sum(classifier.params(x)[w] ** 2) for w in classifier.weights))
    assert classifier.loss_parts(x, "val")["reg"] == parts["reg"]

