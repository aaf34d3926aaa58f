"""senders"""
